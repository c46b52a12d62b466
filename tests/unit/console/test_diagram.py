"""The state diagram: every transition drawn, the failed state marked, names quoted safely."""

from __future__ import annotations

from console_service.diagram import dot_source, edges, render

FLOW = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Book"}],
            "Default": "Reject",
        },
        "Book": {
            "Type": "Task",
            "Resource": "local:erp",
            "Catch": [{"ErrorEquals": ["ERP.Timeout"], "Next": "Reject"}],
            "Next": "Done",
        },
        "Reject": {"Type": "Fail"},
        "Done": {"Type": "Succeed"},
    },
}


def test_edges_follow_next_choices_default_and_catch() -> None:
    assert edges(FLOW) == [
        ("Check", "Book", "choice"),
        ("Check", "Reject", "default"),
        ("Book", "Done", ""),
        ("Book", "Reject", "catch ERP.Timeout"),
    ]


def test_the_failed_state_is_drawn_red_and_links_to_its_step() -> None:
    source = dot_source(
        [("Check", "Choice"), ("Book", "Task")],
        edges(FLOW),
        {"Book": "failed"},
        {"Book": "#step-3"},
    )
    svg = render(source)
    assert svg.startswith("<svg")
    assert 'stroke="#b42318"' in svg and 'href="#step-3"' in svg


def test_hostile_state_names_are_quoted_for_dot_and_escaped_in_svg() -> None:
    name = 'Bad" -> x [URL="javascript:alert(1)"] <script>\\'
    svg = render(dot_source([(name, "Task")], [], {}, {}))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'href="javascript' not in svg
