"""What the apps above the organisation contribute to it, registered from their AppConfig.ready().

The organisation app is the ground floor (practice_center < volunteers < activities < points <
reports): it never imports the apps above it. Where it shows or needs something they own (the
teams a person leads, the figures of a station on the home page, the teams of a site, the
person's volunteer profile on /me/), the upper app registers a function here when Django
starts, and the organisation calls whatever was registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# user -> ids of the active teams the user leads (volunteers registers it).
_teams_led_by: list[Callable[[Any], list[int]]] = []
# (user, stations) -> {station_pk: {figure_name: count}} for the staff overview on the home page.
_station_figures: list[Callable[[Any, list], dict[int, dict[str, int]]]] = []
# (request, site) -> extra context of the site page (e.g. the site's teams).
_site_page_context: list[Callable[[Any, Any], dict[str, Any]]] = []
# user -> extra fields of GET /me/ (e.g. the volunteer profile's id).
_me_fields: list[Callable[[Any], dict[str, Any]]] = []
# request -> extra context of the home page (the reports app's dashboard panel for staff).
_home_context: list[Callable[[Any], dict[str, Any]]] = []
# (viewer, person) -> True when the viewer needs the person's phone for work they share (an
# accepted order: its leader and named volunteers, and the resident who ordered).
_contact_grants: list[Callable[[Any, Any], bool]] = []


def register_teams_led_by(function: Callable[[Any], list[int]]) -> None:
    """Register `function(user) -> [team_id, ...]`, the active teams the user leads."""
    if function not in _teams_led_by:
        _teams_led_by.append(function)


def register_station_figures(function: Callable[[Any, list], dict[int, dict[str, int]]]) -> None:
    """Register `function(user, stations) -> {station_pk: {name: count}}` for the home overview."""
    if function not in _station_figures:
        _station_figures.append(function)


def register_site_page_context(function: Callable[[Any, Any], dict[str, Any]]) -> None:
    """Register `function(request, site) -> dict` merged into the site page's context."""
    if function not in _site_page_context:
        _site_page_context.append(function)


def register_me_fields(function: Callable[[Any], dict[str, Any]]) -> None:
    """Register `function(user) -> dict` merged into the answer of GET /me/."""
    if function not in _me_fields:
        _me_fields.append(function)


def register_home_context(function: Callable[[Any], dict[str, Any]]) -> None:
    """Register `function(request) -> dict` merged into the home page's context."""
    if function not in _home_context:
        _home_context.append(function)


def home_context(request) -> dict[str, Any]:
    """The registered extra context of the home page, merged."""
    context: dict[str, Any] = {}
    for function in _home_context:
        context.update(function(request))
    return context


def register_contact_grant(function: Callable[[Any, Any], bool]) -> None:
    """Register `function(viewer, person) -> bool`: the viewer may read the person's phone
    because they work together on something (practice_center.permissions.may_see_phone)."""
    if function not in _contact_grants:
        _contact_grants.append(function)


def contact_granted(viewer, person) -> bool:
    """Whether any registered source grants `viewer` the phone of `person`."""
    return any(function(viewer, person) for function in _contact_grants)


def teams_led_by(user) -> list[int]:
    """Ids of the teams the user leads, from every registered source (none without volunteers)."""
    ids: list[int] = []
    for function in _teams_led_by:
        ids += [team_id for team_id in function(user) if team_id not in ids]
    return ids


def station_figures(user, stations: list) -> dict[int, dict[str, int]]:
    """The registered figures of each station, merged: `{station_pk: {name: count}}`."""
    merged: dict[int, dict[str, int]] = {station.pk: {} for station in stations}
    for function in _station_figures:
        for station_pk, figures in function(user, stations).items():
            merged.setdefault(station_pk, {}).update(figures)
    return merged


def site_page_context(request, site) -> dict[str, Any]:
    """The registered extra context of the site page, merged."""
    context: dict[str, Any] = {}
    for function in _site_page_context:
        context.update(function(request, site))
    return context


def me_fields(user) -> dict[str, Any]:
    """The registered extra fields of GET /me/, merged."""
    fields: dict[str, Any] = {}
    for function in _me_fields:
        fields.update(function(user))
    return fields
