"""Simulators people use to rehearse: a storefront and a vendor SaaS with a hard cap."""
