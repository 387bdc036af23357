"""Helpers of the ledger tests (pcore): give points, stock a shop. Import the fixtures you need."""

from __future__ import annotations

import pytest

from points.models import Product
from points.services import points_adjust, points_award


def give(household, staff, points: int):
    """Put `points` on the household's account in one staff adjustment (no caps apply)."""
    return points_adjust(household=household, amount=points, actor=staff, reason="测试入账")


def award(household, staff, rule: str = "public_welfare", **kwargs):
    kwargs.setdefault("note", "扶老助残")
    return points_award(household=household, rule=rule, actor=staff, **kwargs)


@pytest.fixture
def soap(town):
    """Soap at station A, 3 points, 100 in stock."""
    return Product.objects.create(site=town.station_a, name="香皂", price=3, stock=100)


@pytest.fixture
def oil(town):
    """Cooking oil at the institute (above both stations), 6 points, 2 in stock."""
    return Product.objects.create(site=town.institute, name="食用油", price=6, stock=2)


@pytest.fixture
def towel_b(town):
    """A towel at station B."""
    return Product.objects.create(site=town.station_b, name="毛巾", price=2, stock=10)
