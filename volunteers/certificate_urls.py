"""Addresses of certificates and hours exports.

- `urlpatterns`: pages under /volunteers/ (included by volunteers/urls.py, namespace "volunteers");
- `api_urlpatterns`: under /api/v1/ (included by volunteers/api_urls.py);
- `public_urlpatterns`: the verification page at /c/<code>/ for anyone (practice_center/urls.py).
"""

from django.urls import path

from volunteers import certificate_api, certificate_views

# The code's characters, so nothing else reaches the view; the view still normalises it.
CODE = "<str:code>"

urlpatterns = [
    path("me/certificates/", certificate_views.my_certificates, name="my_certificates"),
    path("hours/export/", certificate_views.hours_export, name="hours_export"),
    path("<int:pk>/certificates/", certificate_views.certificate_list, name="certificates"),
    path(f"<int:pk>/certificates/{CODE}.pdf", certificate_views.certificate_pdf, name="certificate_pdf"),
    path(f"<int:pk>/certificates/{CODE}/", certificate_views.certificate_detail, name="certificate_detail"),
]

api_urlpatterns = [
    path(
        "volunteers/<int:volunteer_pk>/certificates/",
        certificate_api.VolunteerCertificates.as_view(),
        name="volunteer-certificates",
    ),
    path(
        f"volunteers/<int:volunteer_pk>/certificates/{CODE}.pdf",
        certificate_api.CertificatePdf.as_view(),
        name="volunteer-certificate-pdf",
    ),
    path(f"certificates/{CODE}/", certificate_api.PublicCertificate.as_view(), name="certificate-public"),
]

public_urlpatterns = [
    path("c/", certificate_views.certificate_lookup, name="certificate_lookup"),
    path(f"c/{CODE}/", certificate_views.certificate_verify, name="certificate_verify"),
]
