"""Money on map scales: a currency symbol (or code) and a short magnitude ("$25M", "CHF 1.2k").

A scale without its currency leaves the reader guessing between dollars,
euros and "points"; the run's currency (the scenario's ``currency``, USD by
default) is written on every money axis.
"""

from __future__ import annotations

__all__ = ["DEFAULT_CURRENCY", "money_label", "short_money"]

DEFAULT_CURRENCY = "USD"

#: currencies written with a symbol before the amount; others get their ISO code.
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "CA$", "AUD": "A$"}


def short_money(x: float, currency: str = DEFAULT_CURRENCY) -> str:
    """``25_000_000`` -> ``"$25M"``; ``1200`` in CHF -> ``"CHF 1.2k"``."""
    number = f"{x:.3g}"
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            number = f"{x / div:.3g}{suffix}"
            break
    symbol = _SYMBOLS.get(currency.upper())
    sign, number = ("-", number[1:]) if number.startswith("-") else ("", number)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{currency.upper()} {number}"


def money_label(title: str, currency: str = DEFAULT_CURRENCY) -> str:
    """A money axis title with its currency: ``"Potential (USD)"``."""
    return f"{title} ({currency.upper()})"
