"""The workflow runner with the test handlers, as a process the tests can kill.

Usage: python -m tests.integration.programs.run_workflows  (topic prefix from the environment)
"""

from __future__ import annotations

import threading
from typing import Any

from orderloom.kafka.processor import stop_on_sigterm
from orderloom.settings import OrderloomSettings
from orderloom.workflow.host import serve


class OutOfStock(Exception):
    error = "Stock.OutOfStock"


def validate(order: dict[str, Any]) -> dict[str, Any]:
    if order.get("quantity", 0) <= 0:
        raise ValueError(f"quantity must be positive, got {order.get('quantity')}")
    return {"valid": True, "lines": order["quantity"]}


def price(order: dict[str, Any]) -> dict[str, Any]:
    return {"total": order["quantity"] * 10}


HANDLERS = {"local:validate": validate, "local:price": price}


def main() -> None:
    stop = threading.Event()
    stop_on_sigterm(stop)
    print("ready", flush=True)
    serve(OrderloomSettings(), HANDLERS, stop)


if __name__ == "__main__":
    main()
