from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from practice_center.views import admin_login

admin.site.site_header = _("Civilization-practice portal administration")
admin.site.site_title = _("Civilization-practice portal")
admin.site.index_title = _("Administration")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the one icon."""
    return redirect(static_url("favicon.svg"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("practice_center.api.urls")),
    path("activities/", include("activities.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("points/", include("points.urls")),
    path("reports/", include("reports.urls")),
    path("", include("volunteers.certificate_urls_public")),
    path("", include("practice_center.web_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
