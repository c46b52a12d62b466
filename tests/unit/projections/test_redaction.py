"""Payment secrets and card numbers are redacted before the read model; ids and amounts stay."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from orderloom import jsontext
from orderloom.projections.history import history_records
from orderloom.projections.redaction import (
    SECRET_SPELLINGS,
    is_card_number,
    may_hold_card,
    redact,
)
from orderloom.workflow.local import run_local
from tests.unit.projections import histories

TEST_CARDS = [
    "4242424242424242",  # Visa
    "4222222222222",  # Visa, 13 digits
    "5555555555554444",  # Mastercard
    "2223003122003222",  # Mastercard, 2-series
    "378282246310005",  # American Express
    "6011111111111117",  # Discover
    "3530111333300000",  # JCB
    "36227206271667",  # Diners Club, 14 digits
    "6200000000000005",  # UnionPay
]


def luhn_valid_id(prefix: str, length: int) -> str:
    """A number of ``length`` digits starting with ``prefix`` that passes the Luhn check."""
    body = prefix + "7" * (length - len(prefix) - 1)
    return next(body + d for d in "0123456789" if _luhn(body + d))


def _luhn(digits: str) -> bool:
    total = sum(
        (n * 2 - 9 if n > 4 else n * 2) if i % 2 else n
        for i, n in enumerate(int(c) for c in reversed(digits))
    )
    return total % 10 == 0


def test_card_numbers_need_a_network_prefix_its_length_and_the_luhn_check() -> None:
    assert all(is_card_number(c) for c in TEST_CARDS)
    assert not is_card_number("4242424242424241"), "Luhn fails"
    assert not is_card_number("424242424242424"), "no Visa has 15 digits"
    assert not is_card_number(luhn_valid_id("8", 18)), "no network starts with 8"
    assert not is_card_number(luhn_valid_id("1", 16))


def test_values_under_secret_keys_are_replaced_whatever_they_look_like() -> None:
    document = {
        "payment_token": "tok_1Nq8a2eZvKYlo2CqVb9x4242",
        "payment": {"cardNumber": 4242424242424242, "CVV": "123", "Payment-Token": None},
        "attempts": [{"token": {"id": "t-1"}}, {"token": ""}, {"token": True}],
    }
    assert redact(document) == {
        "payment_token": "[redacted …4242]",
        "payment": {"cardNumber": "[redacted …4242]", "CVV": "[redacted]", "Payment-Token": None},
        "attempts": [{"token": "[redacted]"}, {"token": ""}, {"token": True}],
    }
    spellings = {"paymentToken", "PaymentToken", "PAYMENT_TOKEN", "payment-token", "apiKey"}
    assert spellings <= SECRET_SPELLINGS
    assert all(redact({k: "secret-value-1234"})[k] != "secret-value-1234" for k in spellings)


def test_card_numbers_in_any_text_are_replaced_keeping_the_last_four() -> None:
    note = "paid with 4242 4242 4242 4242, exp 12/27; backup 3782-822463-10005"
    assert redact({"notes": [note, "5555555555554444"]}) == {
        "notes": [
            "paid with [redacted …4242], exp 12/27; backup [redacted …0005]",
            "[redacted …4444]",
        ]
    }
    assert redact("line one\n4111111111111111") == "line one\n[redacted …1111]"


def test_ids_amounts_and_numbers_that_are_not_cards_are_left_alone() -> None:
    passing = luhn_valid_id("4", 19)
    document: dict[str, Any] = {
        "id": 4242424242424242,
        "amount": 5555555555554444,
        "order": f"order-acme-{luhn_valid_id('8', 18)}",
        "ids": [f"order-acme-{passing}", f"gid://shopify/Order/{passing}", f"SO_{passing}"],
        "storefront_id": luhn_valid_id("8", 18),
        "not_luhn": "4242424242424241",
        "phone": "+1 415 555 2671",
        "when": "2026-11-28T09:00:00.123456789Z",
        "uuid": "8f14e45f-ceea-467f-a0e6-4242424242424242",
        "decimal": "4242424242424242.50",
        "task_token": "exec-1/7",
    }
    assert redact(document) is document


def test_redacting_twice_changes_nothing_and_a_clean_document_is_returned_as_it_was() -> None:
    once = redact({"token": "tok_abcdefghijkl4242", "note": "card 4242424242424242"})
    assert redact(once) is once
    clean = {"order": {"id": "o-1", "lines": [{"sku": "R31", "quantity": 2}]}}
    assert redact(clean) is clean and not may_hold_card(jsontext.dumps(clean))


_FRAGMENTS = st.sampled_from(
    [
        "4242 4242 4242 4242",
        "4242424242424241",
        "378282246310005",
        "é",
        "\\",
        "order-acme-820982911946154508",
        "\n",
        " ",
        "tok_abc",
        "x",
        "-",
        "2026-11-28",
    ]
)
_TEXT = st.lists(_FRAGMENTS, max_size=4).map("".join)
_KEYS = st.sampled_from(["payment_token", "task_token", "id", "cardNumber", "note", "cvv"])
_DOCUMENTS = st.recursive(
    st.none() | st.integers() | st.just(4242424242424242) | st.booleans() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)


@given(st.dictionaries(_KEYS, _DOCUMENTS, max_size=4))
def test_a_text_without_a_card_shape_needs_no_search_of_strings(doc: dict[str, Any]) -> None:
    for text in (jsontext.dumps(doc), json.dumps(doc)):
        assert redact(doc, cards=may_hold_card(text)) == redact(doc)


def test_history_records_carry_no_token_or_card_in_details_or_their_text() -> None:
    order = {
        "order_id": "o-9",
        "amount": 50,
        "payment_token": "tok_visa_4242abcdefgh",
        "note": "card 4111 1111 1111 1111",
    }
    made = run_local(
        histories.CHARGE, order, histories.HANDLERS, execution_id="o-9", workflow="Charge"
    )
    records = [
        r for e in histories.envelopes("o-9", "Charge", made.history) for r in history_records(e)
    ]
    started = records[0]
    assert started.details["input"]["payment_token"] == "[redacted …efgh]"
    assert started.details["input"]["note"] == "card [redacted …1111]"
    assert json.loads(started.details_text) == started.details
    for record in records:
        assert "tok_visa" not in record.details_text and "4111 1111" not in record.details_text
        assert "tok_visa" not in json.dumps(record.details)
    clean = histories.envelopes("o-1", "OrderFulfillment", histories.order("o-1", 42.5))
    written = clean[0].data["events"][0]["details"]
    assert history_records(clean[0])[0].details_text is written
