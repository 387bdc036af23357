"""Language selection: Simplified Chinese unless the person chose English.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an elderly resident
with an English-language phone would get English. Here only an explicit choice (the language
cookie set by the switch, or `?lang=` on any URL) changes the language.
"""

from django.conf import settings
from django.utils import translation


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
