"""The storefront simulator: signed order webhooks out, the storefront's API in."""

from __future__ import annotations

from sim.storefront.followups import Followups
from sim.storefront.orders import BAD_KINDS, Kind, OrderFactory, Webhook, load_products
from sim.storefront.running import ServerThread
from sim.storefront.sender import SendReport, build, send_webhooks
from sim.storefront.server import Storefront, create_app

__all__ = [
    "BAD_KINDS",
    "Followups",
    "Kind",
    "OrderFactory",
    "SendReport",
    "ServerThread",
    "Storefront",
    "Webhook",
    "build",
    "create_app",
    "load_products",
    "send_webhooks",
]
