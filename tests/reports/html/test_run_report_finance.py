"""The run report reads like finance: warnings first, currency and fiscal periods, plain labels,
assumptions, and the solver's raw objective only in the advanced section."""

from __future__ import annotations

from dataclasses import replace

from reports import render_run_report
from tests.reports import fixtures as fx

WARNING = {
    "code": "bookings_below_quota",
    "message": "expected bookings are 13% of the quota total (warning below 80%)",
    "figure": 0.13,
    "threshold": 0.8,
    "unit": "share",
}


def _finance_run():  # type: ignore[no-untyped-def]
    run = fx.make_run()
    toml = run.scenario_toml.replace(
        'start = "2027-02-01"', 'start = "2027-02-01"\ncurrency = "EUR"\nfiscal_year_start = 2', 1
    )
    metrics = {**run.metrics, "warnings": [WARNING], "objective_terms": {"potential_km": 160913171227.0}}
    return replace(run, metrics=metrics, scenario_toml=toml)


def test_warnings_come_before_the_key_figures() -> None:
    html = render_run_report(_finance_run(), fx.tiny_png())
    assert html.index("expected bookings are 13% of the quota total (warning below 80%)") < html.index(
        'aria-label="Key figures"'
    )


def test_currency_on_money_and_fiscal_quarters() -> None:
    html = render_run_report(_finance_run(), fx.tiny_png())
    assert "EUR 1,155,000.00" in html  # quota total tile
    assert "Quota (EUR)" in html and "Target potential (EUR)" in html
    plain = render_run_report(fx.make_run(), fx.tiny_png())
    assert "EUR" not in plain and ">Target potential<" in plain and ">Target<" not in plain


def test_raw_objective_terms_only_in_the_advanced_section() -> None:
    html = render_run_report(_finance_run(), fx.tiny_png())
    advanced = html.index('<details class="advanced">')
    assert html.index("160,913,171,227") > advanced
    assert "potential_km" not in html[:advanced]


def test_assumptions_section_states_the_scenario() -> None:
    html = render_run_report(_finance_run(), fx.tiny_png())
    part = html[html.index("<h2>Assumptions</h2>") :]
    for text in (
        "Company target",
        "EUR 1,000,000",
        "25.0%, 50.0%, 75.0%",
        "Balance tolerance",
        "potential 10.0%",
    ):
        assert text in part, text
