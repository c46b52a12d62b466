"""Helm as the tests run it: the binary scripts/setup-containers.sh builds, and the chart's
manifests rendered offline for one Kubernetes version."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "orderloom"
VALUE_SETS = sorted((CHART / "ci").glob("*-values.yaml"))
LOCAL_VALUES = CHART / "examples" / "local-values.yaml"
HELM = ROOT / ".local" / "tools" / "bin" / "helm"
KUBE_VERSION = "1.31.0"
"""The Kubernetes the manifests are rendered for and validated against."""


class HelmError(RuntimeError):
    """Helm refused: its message says why."""


def helm(*args: str) -> str:
    """Run Helm; its output, or HelmError with what it printed."""
    if not HELM.exists():
        raise HelmError(f"{HELM} is missing: run scripts/setup-containers.sh (make setup)")
    done = subprocess.run([str(HELM), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HelmError(done.stderr.strip() or done.stdout.strip())
    return done.stdout


def render(
    values: Sequence[Path] = (), sets: Sequence[str] = (), release: str = "rel"
) -> list[dict[str, Any]]:
    """Every manifest ``helm template`` makes with these values files and ``--set``s."""
    args = ["template", release, str(CHART), "--kube-version", KUBE_VERSION]
    for path in values:
        args += ["--values", str(path)]
    for item in sets:
        args += ["--set", item]
    return [doc for doc in yaml.safe_load_all(helm(*args)) if doc]


def containers(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The containers of a workload's pod template (none for other kinds)."""
    spec = manifest.get("spec", {}).get("template", {}).get("spec", {})
    return list(spec.get("containers", []))
