"""The typed, frozen form of a parsed definition; the interpreter only ever reads these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orderloom.workflow.choice import ChoiceRule
from orderloom.workflow.intrinsics import Call
from orderloom.workflow.paths import Path
from orderloom.workflow.retry import Catcher, Retrier
from orderloom.workflow.templates import Template


@dataclass(frozen=True, slots=True)
class State:
    """Fields every state type may carry.

    `input_path`/`output_path` of None mean `$` (identity) unless the field was `null`
    (`input_null`/`output_null`: the effective value is `{}`); a `result_path` of None means
    `"ResultPath": null` (the result is discarded).
    """

    name: str
    next: str | None = None
    input_path: Path | None = None
    output_path: Path | None = None
    input_null: bool = False
    output_null: bool = False


@dataclass(frozen=True, slots=True)
class Pass(State):
    parameters: Template | None = None
    result: Any = None
    has_result: bool = False
    result_path: Path | None = None


@dataclass(frozen=True, slots=True)
class Task(State):
    resource: str = ""
    parameters: Template | None = None
    result_selector: Template | None = None
    result_path: Path | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    timeout_seconds: int | None = None
    timeout_path: Path | None = None
    heartbeat_seconds: int | None = None
    heartbeat_path: Path | None = None


@dataclass(frozen=True, slots=True)
class Choice(State):
    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Wait(State):
    seconds: int | None = None
    timestamp_us: int | None = None
    seconds_path: Path | None = None
    timestamp_path: Path | None = None


@dataclass(frozen=True, slots=True)
class Succeed(State):
    pass


@dataclass(frozen=True, slots=True)
class Fail(State):
    error: str | None = None
    cause: str | None = None
    error_path: Path | Call | None = None
    cause_path: Path | Call | None = None


@dataclass(frozen=True, slots=True)
class Parallel(State):
    branches: tuple[int, ...] = ()  # indices into Definition.machines
    parameters: Template | None = None
    result_selector: Template | None = None
    result_path: Path | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True, slots=True)
class Map(State):
    processor: int = 0  # index into Definition.machines
    items_path: Path | None = None
    item_selector: Template | None = None
    max_concurrency: int = 0
    result_selector: Template | None = None
    result_path: Path | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True, slots=True)
class Machine:
    """One state graph: the top level, a Parallel branch or a Map's ItemProcessor."""

    start_at: str
    states: dict[str, State]


@dataclass(frozen=True, slots=True)
class Definition:
    """A validated definition; `machines[0]` is the top level, `raw` the JSON it came from."""

    machines: tuple[Machine, ...]
    timeout_seconds: int | None
    raw: dict[str, Any] = field(compare=False)

    @property
    def top(self) -> Machine:
        return self.machines[0]
