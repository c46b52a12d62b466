"""What the system cannot hold is found at any depth, keys included, and named by its path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_service.storable import AMOUNT_FIELDS, INT64_MAX, INT64_MIN, Unstorable, unstorable


def fields(document: Any) -> list[str]:
    return [u.field for u in unstorable(document)]


def test_a_storable_order_has_no_problem() -> None:
    order = {
        "id": INT64_MAX,
        "name": "#1001 — café ✓",
        "total_price": "19.99",
        "line_items": [{"sku": "A-1", "quantity": 2, "price": "9.99", "grams": INT64_MIN}],
        "shipping_address": None,
        "test": False,
        "weight": 1.5,
    }
    assert unstorable(order) == []


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"note": "a\x00b"}, "note"),
        ({"shipping_address": {"address1": "Main St\x00"}}, "shipping_address.address1"),
        ({"line_items": [{"sku": "ok"}, {"title": "\x00"}]}, "line_items[1].title"),
        ({"tags": ["a", ["b", "\x00"]]}, "tags[1][1]"),
        ("\x00", "(body)"),
    ],
)
def test_nul_in_a_value_at_any_depth_is_named(document: Any, field: str) -> None:
    assert unstorable(document) == [Unstorable(field, "the text contains a NUL character (U+0000)")]


def test_nul_in_a_key_is_named_and_shown_escaped() -> None:
    found = unstorable({"note_attributes": [{"na\x00me": "x"}]})
    assert [u.field for u in found] == ["note_attributes[0].na\\u0000me"]
    assert found[0].message.startswith("the key contains a NUL")


def test_a_lone_surrogate_cannot_be_stored() -> None:
    document = json.loads('{"name": "\\ud800"}')
    assert [u.message for u in unstorable(document)] == [
        "the text contains a lone surrogate, which UTF-8 cannot encode"
    ]


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        (INT64_MAX, True),
        (INT64_MAX + 1, False),
        (INT64_MIN, True),
        (INT64_MIN - 1, False),
        (10**30, False),
        (0, True),
    ],
)
def test_integers_must_fit_a_signed_64_bit_long_exactly(value: int, fits: bool) -> None:
    assert (unstorable({"id": value}) == []) is fits
    assert (unstorable({"line_items": [{"product_id": value}]}) == []) is fits


def test_booleans_and_floats_are_not_integers() -> None:
    assert unstorable({"taxes_included": True, "ratio": 1e300}) == []


@pytest.mark.parametrize(
    ("amount", "fits"),
    [
        ("9223372036854775.807", True),
        ("9223372036854775.808", False),
        ("-9223372036854775.808", True),
        ("-9223372036854775.809", False),
        ("1e20", False),
        ("1e999999999", False),
        (9_223_372_036_854_775, True),
        (9_223_372_036_854_776, False),
        ("19.99", True),
        ("999999999999999", True),
        ("9999999999999999", False),
        ("-99999999999999", True),
        ("1E16", False),
    ],
)
def test_amounts_must_fit_in_minor_units(amount: Any, fits: bool) -> None:
    """Scaled by 10^3, the most decimals a currency has, whatever the order's currency."""
    found = unstorable({"line_items": [{"price": amount}], "transactions": []})
    assert (found == []) is fits
    if not fits:
        assert found == [
            Unstorable(
                "line_items[0].price",
                "the amount in minor units does not fit in a signed 64-bit integer",
            )
        ]


def test_what_is_no_amount_is_left_to_the_payload_model() -> None:
    assert unstorable({"price": "nineteen", "amount": None, "total_price": "NaN"}) == []


def test_every_problem_is_listed_in_document_order() -> None:
    document = {"a": "\x00", "b": [2**64], "c": {"price": "1e30"}}
    assert fields(document) == ["a", "b[0]", "c.price"]


def test_deep_documents_do_not_exhaust_the_stack() -> None:
    document: Any = "\x00"
    for _ in range(10_000):
        document = [document]
    assert fields(document) == ["[0]" * 10_000]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=5).filter(lambda k: k not in AMOUNT_FIELDS), children)
    ),
    max_leaves=20,
)


@given(json_values)
def test_a_document_is_storable_exactly_when_its_texts_encode_and_its_integers_fit(
    doc: Any,
) -> None:
    texts_encode = all("\x00" not in t and _encodes(t) for t in _texts(doc))
    integers_fit = all(INT64_MIN <= i <= INT64_MAX for i in _integers(doc))
    assert (unstorable(doc) == []) is (texts_encode and integers_fit)


@given(json_values, st.sampled_from(["\x00", 2**63, -(2**63) - 1]))
def test_a_bad_value_anywhere_is_found(doc: Any, bad: Any) -> None:
    found = unstorable({"wrapper": [doc, {"deep": bad}]})
    assert "wrapper[1].deep" in [u.field for u in found]


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in [k, *_texts(v)]]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return [value] if isinstance(value, str) else []


def _integers(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [i for v in value.values() for i in _integers(v)]
    if isinstance(value, list):
        return [i for v in value for i in _integers(v)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []
