"""The no-Docker local stack: a single-node Apache Kafka (KRaft) and a PostgreSQL cluster.

Both run from this machine's own Java and PostgreSQL binaries, with their data under
``settings.stack.home`` (``.local/`` by default), so ``orderloom up`` works offline.
"""
