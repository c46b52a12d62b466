#!/usr/bin/env bash
# Installs what the deployment tests need (tests/deploy), when it is missing:
# podman and runc from Debian's packages, a Debian base image made with debootstrap (no image
# registry is needed), and Helm built from source with the machine's Go into .local/tools/bin.
# Each step is skipped when its result is already there, so a second run takes seconds.
# As root it installs; otherwise it prints what is missing and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v3.22.0
BASE_IMAGE=localhost/debian-base:bookworm
TOOLS=.local/tools

missing=()
for tool in podman buildah runc debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${missing[*]}" >&2
    echo "run: sudo scripts/setup-containers.sh" >&2
    exit 1
  fi
  echo "installing podman and its helpers from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends podman buildah runc catatonit debootstrap \
    uidmap slirp4netns fuse-overlayfs
fi

# crun refuses a hybrid cgroup layout and the default ulimits exceed what CI machines allow.
if [ "$(id -u)" -eq 0 ] && ! grep -qs '^runtime = "runc"' /etc/containers/containers.conf; then
  mkdir -p /etc/containers
  cat >/etc/containers/containers.conf <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
EOF
fi

if ! podman image exists "$BASE_IMAGE"; then
  echo "making $BASE_IMAGE with debootstrap"
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include=python3,python3-venv bookworm "$rootfs" >/dev/null
  tar -C "$rootfs" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$BASE_IMAGE"
fi

# A Helm built with `go install` reports no patch version, so a stamp says which one it is.
# Go's module and build caches stay in their usual places, shared by every checkout, so a
# fresh clone (as CI's is) builds Helm again in seconds.
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
if [ ! -x "$TOOLS/bin/helm" ] || [ ! -e "$TOOLS/helm-$HELM_VERSION" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "Go is needed to build Helm $HELM_VERSION (no release binary is downloaded)" >&2
    exit 1
  fi
  echo "building Helm $HELM_VERSION with $(go version)"
  GOBIN="$PWD/$TOOLS/bin" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  touch "$TOOLS/helm-$HELM_VERSION"
fi
