"""Language selection: Simplified Chinese unless the person chose English.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an elderly resident
with an English-language phone would get English. Here only an explicit choice (the language
cookie set by the switch, or `?lang=` on any URL) changes the language.
"""

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.cache import patch_cache_control


class CookieLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.GET.get("lang") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        if request.GET.get("lang") in self.supported:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
        translation.deactivate()
        return response


class RejectNullBytesMiddleware:
    """Answer 400 to a query string or form field holding a NUL character.

    PostgreSQL cannot store or compare text with NUL ("A string literal cannot contain NUL"),
    so a filter such as `?q=%00` would otherwise end as a server error deep in some view.
    Form and serializer fields refuse NUL already; this covers every query parameter in one place.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request.GET) or (
            request.method == "POST"
            # The API reads JSON only (DRF's fields refuse NUL); reading a form body here would
            # hand DRF an already parsed form instead of answering 415.
            and not request.path.startswith("/api/")
            and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            and self._has_nul(request.POST)
        ):
            message = "Null characters are not allowed."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "invalid"}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _has_nul(data) -> bool:
        return any("\x00" in key or any("\x00" in value for value in data.getlist(key)) for key in data)


class PrivatePagesMiddleware:
    """`Cache-Control: private, no-store` on every answer to a logged-in person.

    Without it the phone's back button (and any shared proxy) shows a stale page: a balance
    from before a redemption, an order in its old status, someone else's data on a shared
    device. Answers that set their own Cache-Control (exports, pictures) keep it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
