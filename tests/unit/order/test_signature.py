"""Signatures as Shopify computes them: the vector below was made with openssl, not our code.

    printf '{"id":1,"name":"#1001"}' | openssl dgst -sha256 -hmac "hush-0123456789abcdef" \
        -binary | base64
"""

from __future__ import annotations

from order_service.signature import sign, verify

SECRET = b"hush-0123456789abcdef"
BODY = b'{"id":1,"name":"#1001"}'
OPENSSL = "VXviU4THS96anp7hgxvd4vLHO5cGQYyskfzZ4lL7uos="


def test_signature_matches_an_independently_computed_vector() -> None:
    assert sign(SECRET, BODY) == OPENSSL
    assert verify(SECRET, BODY, OPENSSL)


def test_any_change_to_body_secret_or_header_fails() -> None:
    assert not verify(SECRET, BODY + b" ", OPENSSL)
    assert not verify(SECRET + b"x", BODY, OPENSSL)
    assert not verify(SECRET, BODY, OPENSSL[:-2] + "A=")
    assert not verify(SECRET, BODY, None)
    assert not verify(SECRET, BODY, "")
    assert not verify(SECRET, BODY, "not base64 at all ✓")
