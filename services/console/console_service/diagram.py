"""The state diagram of an execution: its definition drawn by Graphviz ``dot`` as SVG.

The failed state is red, the current one blue, states the execution went through green;
each state links to its entries in the step timeline (``#step-<n>``). Names come from
definitions people wrote, so they are quoted for DOT (and ``dot`` escapes them in SVG).
Without a definition, the states the history went through are drawn in order.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Iterable, Sequence
from typing import Any

DOT = "dot"
_FILL = {"failed": "#fde2e1", "current": "#dbeafe", "visited": "#e7f6ea", "": "#ffffff"}
_LINE = {"failed": "#b42318", "current": "#1d4ed8", "visited": "#2f7d3a", "": "#667085"}


class DiagramError(RuntimeError):
    """``dot`` is missing or refused the graph."""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def edges(definition: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(from, to, label) of the top-level machine: Next, Choices, Default and Catch."""
    found: list[tuple[str, str, str]] = []
    for name, state in (definition.get("States") or {}).items():
        if not isinstance(state, dict):
            continue
        if isinstance(state.get("Next"), str):
            found.append((name, state["Next"], ""))
        for rule in state.get("Choices") or []:
            if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                found.append((name, rule["Next"], "choice"))
        if isinstance(state.get("Default"), str):
            found.append((name, state["Default"], "default"))
        for catcher in state.get("Catch") or []:
            if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
                errors = ", ".join(str(e) for e in catcher.get("ErrorEquals") or [])
                found.append((name, catcher["Next"], f"catch {errors}"))
    return found


def dot_source(
    states: Sequence[tuple[str, str]],
    links: Iterable[tuple[str, str, str]],
    marks: dict[str, str],
    anchors: dict[str, str],
) -> str:
    """DOT for ``states`` (name, type), marked ``failed``/``current``/``visited``."""
    lines = [
        "digraph execution {",
        '  graph [rankdir=TB, bgcolor="transparent", fontname="DejaVu Sans"];',
        '  node [shape=box, style="rounded,filled", fontname="DejaVu Sans", fontsize=11];',
        '  edge [fontname="DejaVu Sans", fontsize=9, color="#98a2b3"];',
    ]
    for name, kind in states:
        mark = marks.get(name, "")
        attrs = {
            "fillcolor": _FILL[mark],
            "color": _LINE[mark],
            "penwidth": "2.5" if mark in ("failed", "current") else "1",
            "tooltip": f"{name} ({kind}){': ' + mark if mark else ''}",
        }
        if name in anchors:
            attrs["URL"] = anchors[name]
            attrs["target"] = "_self"
        label = _quote(name)[:-1] + "\\n" + _quote(kind)[1:]
        body = ", ".join([f"label={label}", *(f"{k}={_quote(v)}" for k, v in attrs.items())])
        lines.append(f"  {_quote(name)} [{body}];")
    for source, target, label in links:
        lines.append(f"  {_quote(source)} -> {_quote(target)} [label={_quote(label)}];")
    lines.append("}")
    return "\n".join(lines)


@functools.lru_cache(maxsize=512)
def render(source: str) -> str:
    """The SVG ``dot`` draws for ``source`` (cached: one definition, few markings)."""
    try:
        done = subprocess.run(
            [DOT, "-Tsvg"], input=source.encode(), capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DiagramError(f"Graphviz dot could not run: {e}") from e
    if done.returncode != 0:
        raise DiagramError(done.stderr.decode(errors="replace")[:500])
    svg = done.stdout.decode()
    return svg[svg.index("<svg") :]
