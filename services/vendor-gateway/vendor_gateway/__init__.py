"""Vendor gateway: the one owner of each vendor's connection pool."""
