"""Pages of the organisation: home, accounts, display preferences."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from practice_center import services
from practice_center.navigation import home_actions


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "welcome.html")
    return render(request, "home.html", {"actions": home_actions(request)})


@require_POST
def elderly_mode(request: HttpRequest) -> HttpResponse:
    """Switch extra-large text on or off: remembered in a cookie, and on the profile if logged in."""
    enabled = request.POST.get("enabled") == "1"
    if request.user.is_authenticated:
        services.user_set_elderly_mode(user=request.user, enabled=enabled)
    response = redirect(_safe_next(request))
    response.set_cookie("elderly", "1" if enabled else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response
