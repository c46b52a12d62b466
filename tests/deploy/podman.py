"""podman as the smoke test drives it: the image built from the checkout, Kubernetes
manifests played and torn down, Secrets in the shape ``podman kube play`` reads them."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.helm import ROOT

BASE_IMAGE = "localhost/debian-base:bookworm"
WHEELS = ROOT / "build" / "wheels"


class PodmanError(RuntimeError):
    """podman refused: its message says why."""


def podman(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["podman", *args], input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise PodmanError(f"podman {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


@dataclass(frozen=True)
class Built:
    image: str
    wheels_s: float
    build_s: float
    size_bytes: int


def build_image(image: str) -> Built:
    """The Dockerfile built on the local Debian base from wheels made on the host (pip in a
    build cannot verify the package index's certificate here)."""
    if subprocess.run(["podman", "image", "exists", BASE_IMAGE], check=False).returncode != 0:
        raise PodmanError(f"no {BASE_IMAGE}: run scripts/setup-containers.sh (make setup)")
    started = time.monotonic()
    pip = [sys.executable, "-m", "pip", "wheel", "-q", "--find-links", str(WHEELS)]
    done = subprocess.run([*pip, "-w", str(WHEELS), str(ROOT)], capture_output=True, text=True)
    if done.returncode != 0:
        raise PodmanError(f"the wheels for the image were not built:\n{done.stderr[-3000:]}")
    wheels_s = time.monotonic() - started
    before = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Id}}", image],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    started = time.monotonic()
    podman(
        "build",
        "--quiet",
        "--build-arg",
        f"BASE={BASE_IMAGE}",
        "--build-arg",
        "PIP_ARGS=--no-index --find-links /src/build/wheels orderloom",
        "--tag",
        image,
        str(ROOT),
    )
    build_s = time.monotonic() - started
    podman("image", "prune", "--force", "--filter", "label=org.orderloom.stage=build")
    if before and before != podman("image", "inspect", "--format", "{{.Id}}", image).strip():
        subprocess.run(["podman", "rmi", before], capture_output=True, check=False)
    size = int(podman("image", "inspect", "--format", "{{.Size}}", image).strip())
    return Built(image, wheels_s, build_s, size)


@contextmanager
def secret(name: str, data: dict[str, str]) -> Iterator[str]:
    """A Secret that ``secretKeyRef`` finds: podman keeps its keys as JSON, values base64."""
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    podman("secret", "create", name, "-", stdin=json.dumps(encoded))
    try:
        yield name
    finally:
        podman("secret", "rm", name)


def as_pod(job: dict[str, Any]) -> dict[str, Any]:
    """A Job's pod, to play: podman plays Pods and Deployments, not Jobs."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": job["metadata"]["name"], "labels": job["metadata"]["labels"]},
        "spec": job["spec"]["template"]["spec"],
    }


def without_ports(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest with its containers' ports left out: podman 4.3 publishes every
    containerPort, which it refuses on the host's network, where each port is the host's."""
    copy = deepcopy(manifest)
    if "spec" not in copy:
        return copy
    pod = copy["spec"]["template"]["spec"] if "template" in copy["spec"] else copy["spec"]
    for container in pod["containers"]:
        container.pop("ports", None)
    return copy


@contextmanager
def played(manifests: list[dict[str, Any]], path: Path) -> Iterator[None]:
    """The manifests played on the host's network, torn down on the way out: by the file,
    then every pod and volume named after them, which a play that failed halfway leaves
    behind, and ConfigMaps' volumes always."""
    path.write_text(yaml.safe_dump_all([without_ports(m) for m in manifests]))
    try:
        podman("kube", "play", "--network", "host", str(path))
        yield
    finally:
        subprocess.run(["podman", "kube", "down", str(path)], capture_output=True, check=False)
        names = {m["metadata"]["name"] for m in manifests}
        pods = podman("pod", "ls", "--format", "{{.Name}}").split()
        left = [p for p in pods if p in names or p.removesuffix("-pod-0") in names]
        if left:
            podman("pod", "rm", "--force", "--time", "10", *left)
        volumes = podman("volume", "ls", "--format", "{{.Name}}").split()
        if kept := [v for v in volumes if v in names]:  # ConfigMaps become named volumes
            podman("volume", "rm", "--force", *kept)


def run_to_completion(job: dict[str, Any], folder: Path, timeout_s: float = 180.0) -> str:
    """Play a Job's pod, wait for its container to exit 0; its log (PodmanError otherwise)."""
    pod = as_pod(job)
    name = pod["metadata"]["name"]
    [container] = pod["spec"]["containers"]
    with played([pod], folder / f"{name}.yaml"):
        full = f"{name}-{container['name']}"
        try:
            done = subprocess.run(
                ["podman", "wait", "--interval", "500ms", full],
                capture_output=True,
                text=True,
                check=False,
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired as e:
            raise PodmanError(f"{name} still runs after {timeout_s:.0f}s:\n{logs(full)}") from e
        if done.stdout.strip() != "0":
            raise PodmanError(f"{name} exited {done.stdout.strip()}:\n{logs(full)}")
        return logs(full)


def logs(container: str) -> str:
    done = subprocess.run(
        ["podman", "logs", "--tail", "60", container], capture_output=True, text=True, check=False
    )
    return done.stdout + done.stderr
