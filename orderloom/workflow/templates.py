"""Payload templates (Parameters, ItemSelector, ResultSelector), compiled once at load.

Static parts of a template are shared, never copied, by every evaluation: the engine never
mutates a JSON value in place, so sharing them is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orderloom.workflow.errors import PARAMETER_PATH_FAILURE, PathMissing, StatesError
from orderloom.workflow.functions import Scope
from orderloom.workflow.intrinsics import Call, PathArg, evaluate_call, parse_intrinsic
from orderloom.workflow.paths import Path, compile_path


@dataclass(frozen=True, slots=True)
class Static:
    value: Any


@dataclass(frozen=True, slots=True)
class Select:
    key: str
    path: Path


@dataclass(frozen=True, slots=True)
class Invoke:
    key: str
    call: Call


@dataclass(frozen=True, slots=True)
class ObjectTemplate:
    fields: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class ArrayTemplate:
    items: tuple[Node, ...]


Node = Static | Select | Invoke | ObjectTemplate | ArrayTemplate


@dataclass(frozen=True, slots=True)
class Template:
    """A compiled payload template; `uses_context` says whether `$$` must be built for it."""

    root: Node
    uses_context: bool


def compile_template(value: Any) -> Template:
    """Compile a payload template; raises ValueError naming the offending key."""
    root = _compile(value, "")
    return Template(root, _uses_context(root))


def _compile(value: Any, where: str) -> Node:
    if isinstance(value, dict):
        fields: list[tuple[str, Node]] = []
        dynamic = False
        for key, item in value.items():
            if key.endswith(".$"):
                dynamic = True
                name = key[:-2]
                if not isinstance(item, str):
                    raise ValueError(f"{where}{key}: a '.$' key needs a path or intrinsic string")
                try:
                    if item.startswith("$"):
                        fields.append((name, Select(name, compile_path(item))))
                    else:
                        fields.append((name, Invoke(name, parse_intrinsic(item))))
                except ValueError as exc:
                    raise ValueError(f"{where}{key}: {exc}") from None
            else:
                node = _compile(item, f"{where}{key}.")
                dynamic = dynamic or not isinstance(node, Static)
                fields.append((key, node))
        return ObjectTemplate(tuple(fields)) if dynamic else Static(value)
    if isinstance(value, list):
        items = tuple(_compile(item, f"{where}[{i}].") for i, item in enumerate(value))
        if all(isinstance(item, Static) for item in items):
            return Static(value)
        return ArrayTemplate(items)
    return Static(value)


def _uses_context(node: Node) -> bool:
    if isinstance(node, Select):
        return node.path.context
    if isinstance(node, Invoke):
        return _call_uses_context(node.call)
    if isinstance(node, ObjectTemplate):
        return any(_uses_context(child) for _, child in node.fields)
    if isinstance(node, ArrayTemplate):
        return any(_uses_context(child) for child in node.items)
    return False


def _call_uses_context(call: Call) -> bool:
    return any(
        (isinstance(arg, PathArg) and arg.path.context)
        or (isinstance(arg, Call) and _call_uses_context(arg))
        for arg in call.args
    )


def render(template: Template, scope: Scope) -> Any:
    """Evaluate a template; a path selecting nothing raises States.ParameterPathFailure."""
    return _render(template.root, scope)


def _render(node: Node, scope: Scope) -> Any:
    if isinstance(node, Static):
        return node.value
    if isinstance(node, ObjectTemplate):
        return {key: _render(child, scope) for key, child in node.fields}
    if isinstance(node, ArrayTemplate):
        return [_render(child, scope) for child in node.items]
    if isinstance(node, Invoke):
        return evaluate_call(node.call, scope)
    source = scope.context() if node.path.context else scope.data
    try:
        return node.path.get(source)
    except PathMissing:
        raise StatesError(
            PARAMETER_PATH_FAILURE,
            f"the path {node.path.text} for the field {node.key}.$ selected nothing",
        ) from None
