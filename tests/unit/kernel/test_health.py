"""What /healthz and /readyz say: alive while the loop turns, ready once the partitions are
assigned and a poll came back short of its limit, not ready again on a revoke."""

from __future__ import annotations

from orderloom.health import Progress, answer, serving
from orderloom.settings import HealthSettings

STALE_S = 60.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_alive_while_the_loop_turns_and_not_once_it_stops_turning() -> None:
    clock = Clock()
    progress = Progress(clock)
    assert answer("/healthz", progress, STALE_S)[0] == 200
    clock.now += 59
    progress.turned()
    clock.now += 59
    assert answer("/healthz", progress, STALE_S)[0] == 200
    clock.now += 2
    status, body = answer("/healthz", progress, STALE_S)
    assert (status, body["alive"], body["seconds_since_loop_turned"]) == (503, False, 61.0)


def test_ready_only_after_the_assignment_and_a_poll_short_of_its_limit() -> None:
    progress = Progress(Clock())
    progress.polled(0, 500)
    assert answer("/readyz", progress, STALE_S)[0] == 503, "no partitions yet"
    progress.assigned()
    progress.polled(500, 500)
    assert answer("/readyz", progress, STALE_S)[0] == 503, "a full batch: more may be waiting"
    progress.polled(499, 500)
    status, body = answer("/readyz", progress, STALE_S)
    assert (status, body["ready"], body["assigned"], body["caught_up"]) == (200, True, True, True)


def test_a_revoke_or_a_new_assignment_makes_it_not_ready_until_it_has_read_again() -> None:
    progress = Progress(Clock())
    progress.assigned()
    progress.polled(0, 500)
    progress.revoked()
    assert answer("/readyz", progress, STALE_S)[0] == 503
    progress.assigned()
    assert answer("/readyz", progress, STALE_S)[0] == 503
    progress.polled(3, 500)
    assert answer("/readyz", progress, STALE_S)[0] == 200


def test_a_loop_without_partitions_is_ready_once_settled_and_not_when_stuck() -> None:
    clock = Clock()
    progress = Progress(clock)
    assert answer("/readyz", progress, STALE_S)[0] == 503
    progress.settled()
    assert answer("/readyz", progress, STALE_S)[0] == 200
    clock.now += 61
    assert answer("/readyz", progress, STALE_S)[0] == 503


def test_other_paths_are_not_found_and_a_query_string_is_ignored() -> None:
    progress = Progress(Clock())
    assert answer("/metrics", progress, STALE_S)[0] == 404
    assert answer("/healthz?verbose=1", progress, STALE_S)[0] == 200


def test_without_a_port_nothing_serves() -> None:
    with serving(HealthSettings(), Progress()) as port:
        assert port is None
