"""The public certificate pages at the site root (/c/ and /c/<code>/), for practice_center/urls.py."""

from volunteers.certificate_urls import public_urlpatterns as urlpatterns

__all__ = ["urlpatterns"]
