"""The contract of a ``local:`` Task handler, shared by run-local and the Kafka runner.

A handler takes the state's effective input and returns its result, or raises: the
exception's ``error`` attribute (else its class name) is the ASL error name Retry and
Catch match, its ``cause`` attribute (else its message) the cause.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from orderloom.workflow.messages import Input, ScheduleTask, TaskFailed, TaskSucceeded

Handler = Callable[[Any], Any]
NO_HANDLER = "Orderloom.NoHandler"


def serve(handlers: Mapping[str, Handler], task: ScheduleTask, now: int) -> Input:
    """Run the task's handler; its result or its failure is the core's next input."""
    handler = handlers.get(task.resource)
    if handler is None:
        cause = f"no handler for resource {task.resource!r}"
        return TaskFailed(task.task_token, NO_HANDLER, cause, now)
    try:
        output = handler(task.input)
        json.dumps(output)
    except Exception as exc:  # a handler's exception is the task's failure, by contract
        error = getattr(exc, "error", None) or type(exc).__name__
        cause = getattr(exc, "cause", None) or str(exc)
        return TaskFailed(task.task_token, str(error), str(cause), now)
    return TaskSucceeded(task.task_token, output, now)
