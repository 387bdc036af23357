"""Values every page needs: the language switch, elderly mode, the person's station and roles."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from practice_center.navigation import nav_items
from practice_center.scoping import home_station, scope


def portal(request):
    """The language switch, elderly mode and, for a signed-in person, their scope, roles,
    station and menu (the last two computed only if a template reads them)."""
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    elderly = request.COOKIES.get("elderly") == "1" or (authenticated and user.elderly_mode)
    ctx = {
        "elderly_mode": elderly,
        "portal_languages": settings.LANGUAGES,
    }
    if authenticated:
        sc = scope(user)
        ctx.update(
            {
                "portal_scope": sc,
                "is_staff_user": sc.is_staff_anywhere,
                "is_center_admin": sc.is_center_admin,
                "is_grid_worker": bool(sc.grid_roles),
                "is_team_leader": bool(sc.team_ids_led),
                "my_station": SimpleLazyObject(lambda: home_station(user)),
                "nav_items": SimpleLazyObject(lambda: nav_items(request)),
            }
        )
    return ctx
