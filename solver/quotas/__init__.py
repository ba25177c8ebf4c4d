"""Quotas to the cent: the cascade from the company target down to rep periods, and its views."""

from solver.quotas.cascade import (
    QuotaPlan,
    quota_plan,
)
from solver.quotas.views import (
    QuotaViews,
    quota_views,
)

__all__ = [
    "QuotaPlan",
    "QuotaViews",
    "quota_plan",
    "quota_views",
]
