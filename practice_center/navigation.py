"""Menu entries and home-page actions collected from every app.

Each installed app may have a `nav.py` with `nav_items(request) -> list[NavItem]` (the main
menu) and `home_actions(request) -> list[NavItem]` (big buttons on the home page), found the
way Django's admin finds `admin.py`. The home page and the menu show whatever the apps offer
the person, so no app edits another's templates and this module names none of them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    order: int = 50
    hint: str = ""
    badge: int | None = None


@functools.cache
def _nav_modules() -> tuple:
    """The `nav` modules of the installed apps, looked up once per process."""
    found = []
    for config in apps.get_app_configs():
        try:
            found.append(import_module(f"{config.name}.nav"))
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.nav", config.name):
                raise
    return tuple(found)


def _collect(request, function_name: str) -> list[NavItem]:
    items: list[NavItem] = []
    for module in _nav_modules():
        function = getattr(module, function_name, None)
        if function is not None:
            items.extend(function(request))
    return sorted(items, key=lambda item: item.order)


def nav_items(request) -> list[NavItem]:
    """The main menu entries every app offers the person, in their `order`."""
    return _collect(request, "nav_items")


def home_actions(request) -> list[NavItem]:
    """The home page's big buttons every app offers the person, in their `order`."""
    return _collect(request, "home_actions")
