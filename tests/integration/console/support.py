"""A small order workflow whose ERP step fails while the ERP is "down", and helpers to wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

PgConn = psycopg.Connection[tuple[object, ...]]

ORDER_FLOW: dict[str, Any] = {
    "Comment": "check the order, book it in the ERP, done",
    "StartAt": "Validate",
    "States": {
        "Validate": {
            "Type": "Task",
            "Resource": "local:validate",
            "ResultPath": "$.check",
            "Next": "BookInErp",
        },
        "BookInErp": {
            "Type": "Task",
            "Resource": "local:erp",
            "ResultPath": "$.erp",
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}
WAITING_FLOW: dict[str, Any] = {
    "StartAt": "AskWarehouse",
    "States": {"AskWarehouse": {"Type": "Task", "Resource": "service:nobody.answers", "End": True}},
}


class ErpTimeout(Exception):
    error = "ERP.Timeout"


class Erp:
    """The ERP's availability: down until ``fix`` is called; counts each booking it accepts
    and keeps the last order it was sent under each order number."""

    def __init__(self) -> None:
        self.down = threading.Event()
        self.booked: dict[str, int] = {}
        self.sent: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def fix(self) -> None:
        self.down.clear()

    def book(self, order: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.sent[order["order_number"]] = order
        if self.down.is_set():
            raise ErpTimeout("the ERP did not answer within 30 s")
        with self._lock:
            self.booked[order["order_number"]] = self.booked.get(order["order_number"], 0) + 1
        return {"erp_id": f"SO-{order['order_number']}"}


def validate(order: dict[str, Any]) -> dict[str, Any]:
    if order.get("quantity", 0) <= 0:
        raise ValueError(f"quantity must be positive, got {order.get('quantity')}")
    return {"valid": True}


def handlers(erp: Erp) -> dict[str, Callable[[Any], Any]]:
    return {"local:validate": validate, "local:erp": erp.book}


def order(number: int, quantity: int = 1) -> dict[str, Any]:
    return {
        "order_number": f"#{number}",
        "email": f"customer{number}@example.com",
        "quantity": quantity,
    }


def wait_until(
    pg: PgConn, sql: str, params: tuple[Any, ...], expected: Any, timeout_s: float = 60
) -> None:
    """Poll ``sql`` until its first column equals ``expected``."""
    deadline = time.monotonic() + timeout_s
    got: Any = None
    while time.monotonic() < deadline:
        row = pg.execute(sql, params).fetchone()
        got = None if row is None else row[0]
        if got == expected:
            return
        time.sleep(0.2)
    raise AssertionError(f"{sql} {params}: got {got!r}, wanted {expected!r}")


def status_of(
    pg: PgConn, execution_id: str, status: str, redrives: int = 0, timeout_s: float = 60
) -> None:
    wait_until(
        pg,
        "SELECT status || '/' || redrive_count FROM executions WHERE execution_id = %s",
        (execution_id,),
        f"{status}/{redrives}",
        timeout_s,
    )
