"""Menu entries and home-page actions collected from every app.

Each app may have a `nav.py` with `nav_items(request) -> list[NavItem]` (the main menu) and
`home_actions(request) -> list[NavItem]` (big buttons on the home page). The home page and the
menu show whatever the apps offer the person, so no app edits another's templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

APPS = ("practice_center", "volunteers", "activities", "points", "reports")


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    order: int = 50
    hint: str = ""
    badge: int | None = None


def _collect(request, function_name: str) -> list[NavItem]:
    items: list[NavItem] = []
    for app in APPS:
        try:
            module = import_module(f"{app}.nav")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.nav":
                raise
            continue
        function = getattr(module, function_name, None)
        if function is not None:
            items.extend(function(request))
    return sorted(items, key=lambda item: item.order)


def nav_items(request) -> list[NavItem]:
    return _collect(request, "nav_items")


def home_actions(request) -> list[NavItem]:
    return _collect(request, "home_actions")
