"""Orderloom: the shared kernel (envelope, Avro, Kafka plumbing, workflow engine, settings).

Domain types live in the services, never here.
"""

from __future__ import annotations

__version__ = "0.1.0"
