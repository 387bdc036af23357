"""Fixtures of the points tests: a small shop in the town of tests/conftest.py."""

from __future__ import annotations

import pytest

from points.models import Product


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
