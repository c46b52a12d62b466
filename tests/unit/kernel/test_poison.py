"""Which failures condemn a record and which are tried again."""

from __future__ import annotations

import psycopg
import pytest
from confluent_kafka import KafkaError, KafkaException

from orderloom.errors import PoisonRecord, RetryableError
from orderloom.events.codec import DecodeError, EncodeError
from orderloom.kafka.records import Consumed
from orderloom.poison import condemned


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (DecodeError("bad-key", "not UTF-8"), "bad-key"),
        (EncodeError("Ping data does not fit its schema"), "encode-overflow"),
        (
            psycopg.errors.UntranslatableCharacter("unsupported Unicode escape"),
            "refused-by-database",
        ),
        (psycopg.errors.NumericValueOutOfRange("integer out of range"), "refused-by-database"),
        (
            psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
            "refused-by-database",
        ),
        (
            psycopg.errors.ProgramLimitExceeded("index row size exceeds maximum"),
            "refused-by-database",
        ),
        (KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE)), "too-large"),
    ],
)
def test_what_the_record_itself_causes_condemns_it(error: BaseException, reason: str) -> None:
    poison = condemned(error)
    assert poison is not None and poison.reason == reason


def test_the_database_says_what_it_refused() -> None:
    poison = condemned(psycopg.errors.NumericValueOutOfRange("integer out of range"))
    assert poison is not None and poison.detail == "22003 integer out of range"


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.OperationalError("connection lost"),
        KafkaException(KafkaError(KafkaError._TRANSPORT)),
        RetryableError("broker away"),
        RuntimeError("a defect"),
    ],
)
def test_what_may_pass_next_time_condemns_nothing(error: BaseException) -> None:
    assert condemned(error) is None


def test_a_poison_record_is_its_own_verdict() -> None:
    poison = PoisonRecord("unexpected-type", "x")
    assert condemned(poison) is poison


def test_a_dead_letter_too_large_to_write_says_why_and_how_large_without_the_value() -> None:
    record = Consumed("t.order.events", 2, 41, b"o-1", b"x" * 100, [("ce_id", b"e-1")])
    letter = record.dead_letter(PoisonRecord("too-large", "over 1 MB"), with_value=False)
    headers = dict(letter.headers)
    assert (letter.topic, letter.key, letter.value) == ("t.order.events.dlq", b"o-1", None)
    assert headers["dlq_reason"] == b"too-large" and headers["dlq_value_omitted"] == b"100"
    assert (headers["dlq_partition"], headers["dlq_offset"], headers["ce_id"]) == (
        b"2",
        b"41",
        b"e-1",
    )
