# One image for every Orderloom service; its command picks the service, e.g.
#   docker run IMAGE order api --host 0.0.0.0
#   docker run IMAGE workflow runner --handlers /opt/orderloom/share/order_service/steps.py
# The first stage installs the package into a virtual environment, the second copies only that
# environment onto a fresh base and runs as an unprivileged user. Nothing is written under /
# at run time (logs go to stdout), so the root filesystem may be mounted read-only; /tmp is the
# only place the Python runtime may write, and a Kubernetes pod gives it an emptyDir.
#
# BASE is an official Python image for users. Machines without a registry pass a local Debian
# base (scripts/setup-containers.sh) and install from wheels built on the host:
#   pip wheel -w build/wheels .
#   podman build --build-arg BASE=localhost/debian-base:bookworm \
#     --build-arg PIP_ARGS="--no-index --find-links /src/build/wheels orderloom" -t orderloom .
ARG BASE=docker.io/library/python:3.11-slim-bookworm

FROM ${BASE} AS build
ARG PIP_ARGS=/src
LABEL org.orderloom.stage=build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY . /src
RUN python3 -m venv /opt/orderloom \
 && /opt/orderloom/bin/pip install ${PIP_ARGS} \
 && mkdir -p /opt/orderloom/share \
 && site=$(/opt/orderloom/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
 && ln -s "$site/order_service" "$site/inventory_service" "$site/sim" /opt/orderloom/share/ \
 && cp /src/services/inventory/schedules.toml /opt/orderloom/share/inventory-schedules.toml

FROM ${BASE}
COPY --from=build /opt/orderloom /opt/orderloom
RUN groupadd --system --gid 10001 orderloom \
 && useradd --system --uid 10001 --gid orderloom --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin orderloom
ENV PATH=/opt/orderloom/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ORDERLOOM_HEALTH__HOST=0.0.0.0
USER 10001:10001
ENTRYPOINT ["orderloom"]
CMD ["--help"]
