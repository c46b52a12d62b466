"""Where a Task's ``Resource`` sends its work (pure: a string in, a route out)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Local:
    """``local:<name>``: a handler registered in the runner's own process."""

    name: str


@dataclass(frozen=True)
class Service:
    """``service:<service>.<action>``: a command to ``<service>.commands``."""

    service: str
    action: str

    @property
    def topic(self) -> str:
        return f"{self.service}.commands"


@dataclass(frozen=True)
class Vendor:
    """``vendor:`` (a workflow waits) or ``vendor-async:`` (done once durably queued)."""

    vendor: str
    operation: str
    wait: bool


@dataclass(frozen=True)
class Unrouted:
    """A resource no runner serves (e.g. an ``arn:`` brought from Step Functions)."""

    resource: str


Route = Local | Service | Vendor | Unrouted


def route(resource: str) -> Route:
    kind, _, rest = resource.partition(":")
    target, _, action = rest.partition(".")
    if kind == "local" and rest:
        return Local(rest)
    if kind == "service" and target and action:
        return Service(target, action)
    if kind in ("vendor", "vendor-async") and target and action:
        return Vendor(target, action, wait=kind == "vendor")
    return Unrouted(resource)
