"""Money scales carry their currency."""

from __future__ import annotations

import pytest

from maps.money import money_label, short_money


@pytest.mark.parametrize(
    ("x", "currency", "text"),
    [
        (25_000_000, "USD", "$25M"),
        (0, "USD", "$0"),
        (1_250, "EUR", "€1.25k"),
        (3.4e9, "gbp", "£3.4B"),
        (-2_000_000, "USD", "-$2M"),
        (1_200, "CHF", "CHF 1.2k"),
    ],
)
def test_short_money(x: float, currency: str, text: str) -> None:
    assert short_money(x, currency) == text


def test_money_label_names_the_currency() -> None:
    assert money_label("Potential", "eur") == "Potential (EUR)"
