"""Helpers of the ledger tests: put points on an account, award a rule."""

from __future__ import annotations

from points.services.awards import points_award
from points.services.ledger import points_adjust


def give(household, staff, points: int):
    """Put `points` on the household's account in one staff adjustment (no caps apply)."""
    return points_adjust(household=household, amount=points, actor=staff, reason="测试入账")


def award(household, staff, rule: str = "public_welfare", **kwargs):
    kwargs.setdefault("note", "扶老助残")
    return points_award(household=household, rule=rule, actor=staff, **kwargs)
