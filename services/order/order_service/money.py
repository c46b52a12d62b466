"""Storefront money (decimal strings) to integer minor units, exactly or not at all.

Shopify sends amounts as decimal strings ("19.99"). Floats would round; ``Decimal``
does not, and an amount with more decimals than its currency has is refused rather
than rounded, so the workflow never sees a total that differs from the storefront's.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

_ZERO_DECIMALS = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"}
    | {"RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"}
)
_THREE_DECIMALS = frozenset(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])


def minor_unit_exponent(currency: str) -> int:
    """Decimals of the currency's minor unit (ISO 4217): 2 unless listed otherwise."""
    if currency in _ZERO_DECIMALS:
        return 0
    if currency in _THREE_DECIMALS:
        return 3
    return 2


def to_minor_units(amount: str, currency: str) -> int:
    """``"19.99"`` USD -> ``1999``; ``ValueError`` for anything not exactly representable."""
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise ValueError(f"{amount!r} is not a decimal amount") from None
    if not value.is_finite():
        raise ValueError(f"{amount!r} is not a finite amount")
    scaled = value.scaleb(minor_unit_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount!r} has more decimals than {currency} has")
    return int(scaled)
