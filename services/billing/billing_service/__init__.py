"""Billing service: invoices, captures and refunds, each at most once per order."""
