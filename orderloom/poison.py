"""Which failures condemn the record that caused them, and which are worth trying again.

A consumer that fails on a batch asks ``condemned``: a record that cannot be decoded, an
effect that does not fit its Avro schema or its topic's ``max.message.bytes``, or a value
PostgreSQL refuses as data (a NUL character, an integer out of range) fails the same way
every time, so the record is set aside with the reason. Anything else (a lost connection,
a deadlock, a serialization failure, a broker away) is retried.
"""

from __future__ import annotations

import psycopg
from confluent_kafka import KafkaError, KafkaException

from orderloom.errors import PoisonRecord
from orderloom.events.codec import EncodeError

DETAIL_LIMIT = 2048


def condemned(error: BaseException) -> PoisonRecord | None:
    """The poison ``error`` means, or None when trying the same record again may succeed."""
    if isinstance(error, PoisonRecord):
        return error
    if isinstance(error, EncodeError):
        return PoisonRecord("encode-overflow", _short(str(error)))
    if isinstance(error, psycopg.DataError | psycopg.errors.ProgramLimitExceeded):
        state = error.sqlstate or "client"
        return PoisonRecord("refused-by-database", _short(f"{state} {error}"))
    if isinstance(error, KafkaException) and too_large(error.args[0]):
        return PoisonRecord("too-large", _short(str(error.args[0])))
    return None


def too_large(error: KafkaError) -> bool:
    """A record over the producer's or the topic's size limit: it will never fit."""
    return error.code() in (KafkaError.MSG_SIZE_TOO_LARGE, KafkaError.RECORD_LIST_TOO_LARGE)


def _short(text: str) -> str:
    return text if len(text) <= DETAIL_LIMIT else text[:DETAIL_LIMIT] + "..."
