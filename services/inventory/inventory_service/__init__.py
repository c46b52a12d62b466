"""Inventory service: the stock ledger, reservations and scheduled syncs."""
