"""Pages: a volunteer's certificates, the print page, the public verification page, the volunteer
and team pages' stars."""

from __future__ import annotations

import pytest

from tests.volunteers.certificates.conftest import H1_FROM, H1_TO
from volunteers import certificates as service
from volunteers.models import Certificate


@pytest.fixture
def certificate(town, hours_a):
    return service.certificate_issue(volunteer=town.member_a, date_from=H1_FROM, date_to=H1_TO, actor=town.staff_a)


def url(volunteer, suffix=""):
    return f"/volunteers/{volunteer.pk}/certificates/{suffix}"


# ---- asking for one -----------------------------------------------------------------------------


def test_a_volunteer_asks_for_a_certificate_and_lands_on_its_print_page(client, town, hours_a, login):
    login(town.member_a.user)
    response = client.post(url(town.member_a), {"date_from": "2026-01-01", "date_to": "2026-06-30"})
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(town.member_a, f"{certificate.code}/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "志愿者甲" in body and "5.50" in body
    assert service.format_code(certificate.code) in body
    assert "<svg" in body  # the QR code
    assert f"http://testserver/c/{certificate.code}/" in body


def test_a_double_submit_issues_one_certificate(client, town, hours_a, login):
    login(town.member_a.user)
    for _ in range(2):
        client.post(url(town.member_a), {"date_from": "2026-01-01", "date_to": "2026-06-30"})
    assert Certificate.objects.count() == 1


def test_my_certificates_leads_to_the_own_list(client, town, login):
    login(town.member_a.user)
    assert client.get("/volunteers/me/certificates/")["Location"] == url(town.member_a)
    login(town.resident_b)  # not a volunteer
    assert client.get("/volunteers/me/certificates/")["Location"] == "/volunteers/me/"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date_from": "2026-06-30", "date_to": "2026-01-01"}, "date_to"),
        ({"date_from": "2026-03-01", "date_to": "2026-03-02"}, "date_to"),  # pending and rejected only
        ({"date_from": "2026-01-01", "date_to": "2099-01-01"}, "date_to"),
        ({"date_from": "nonsense", "date_to": ""}, "date_from"),
        ({"date_from": "99999-01-01", "date_to": "2026-01-01"}, "date_from"),
    ],
)
def test_a_bad_period_shows_the_form_again_with_the_error(client, town, hours_a, data, field, login):
    login(town.member_a.user)
    response = client.post(url(town.member_a), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Certificate.objects.exists()


def test_the_list_shows_each_certificate_with_its_status(client, town, certificate, hours_a, login):
    hours_a["last_day"].status = "rejected"
    hours_a["last_day"].save(update_fields=["status"])
    login(town.member_a.user)
    body = client.get(url(town.member_a)).content.decode()
    assert certificate.code in body
    assert "已被取代" in body


def test_the_list_takes_the_same_queries_for_one_or_many_certificates(
    client, town, hours_a, django_assert_max_num_queries, login
):
    import datetime

    login(town.member_a.user)
    client.get(url(town.member_a))  # warm the session
    service.certificate_issue(volunteer=town.member_a, date_from=H1_FROM, date_to=H1_TO, actor=town.staff_a)
    with django_assert_max_num_queries(12) as one:
        client.get(url(town.member_a))
    for month in range(1, 6):
        service.certificate_issue(
            volunteer=town.member_a,
            date_from=datetime.date(2026, 1, 1),
            date_to=datetime.date(2026, 6 + month, 1),
            actor=town.staff_a,
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url(town.member_a))


# ---- who may see and ask -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_a", "institute_staff", "admin"])
def test_staff_of_the_station_or_above_see_and_issue(client, town, hours_a, who, login):
    login(getattr(town, who))
    assert client.get(url(town.member_a)).status_code == 200
    response = client.post(url(town.member_a), {"date_from": "2026-01-01", "date_to": "2026-06-30"})
    assert response.status_code == 302
    assert Certificate.objects.get().issued_by == getattr(town, who)


def test_staff_of_another_station_get_404(client, town, certificate, login):
    login(town.staff_b)
    assert client.get(url(town.member_a)).status_code == 404
    assert client.post(url(town.member_a), {"date_from": "2026-01-01", "date_to": "2026-06-30"}).status_code == 404
    assert client.get(url(town.member_a, f"{certificate.code}/")).status_code == 404
    assert client.get(url(town.member_a, f"{certificate.code}.pdf")).status_code == 404


def test_the_team_leader_sees_the_volunteer_but_not_their_certificates(client, town, certificate, login):
    login(town.leader_a.user)
    assert client.get(url(town.member_a)).status_code == 403
    assert client.post(url(town.member_a), {"date_from": "2026-01-01", "date_to": "2026-06-30"}).status_code == 403
    assert client.get(url(town.member_a, f"{certificate.code}/")).status_code == 403
    assert Certificate.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, town, certificate):
    for path in (url(town.member_a), url(town.member_a, f"{certificate.code}/"), "/volunteers/hours/export/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "suffix", ["NOPE/", "AAAAAAAAAAAAAAAA/", "AAAAAAAAAAAAAAAA.pdf", "%E2%80%8B/", "x" * 300 + "/"]
)
def test_odd_codes_on_private_pages_are_404(client, town, certificate, suffix, login):
    login(town.member_a.user)
    assert client.get(url(town.member_a, suffix)).status_code == 404


def test_the_certificate_of_one_volunteer_is_not_found_under_another(client, town, certificate, login):
    login(town.staff_a)
    assert client.get(url(town.leader_a, f"{certificate.code}/")).status_code == 404


# ---- the public verification page ---------------------------------------------------------------


def test_anyone_sees_a_real_code_as_valid_with_the_name_masked(client, certificate):
    response = client.get(f"/c/{certificate.code}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "有效" in body
    assert "志**甲" in body and "志愿者甲" not in body
    assert "5.50" in body and "2026-01-01" in body and "2026-06-30" in body
    assert "幸福村实践站" in body
    assert certificate.content_hash in body
    assert "138" not in body.split('data-testid="public-facts"')[1].split("</dl>")[0]  # no phone at all


def test_an_unknown_code_is_404(client, certificate):
    other = "".join(reversed(certificate.code))
    assert client.get(f"/c/{other}/").status_code == 404
    assert client.get("/c/short/").status_code == 404
    assert client.get("/c/" + "A" * 500 + "/").status_code == 404


def test_a_superseded_code_says_so(client, certificate, hours_a):
    hours_a["first_day"].status = "rejected"
    hours_a["first_day"].save(update_fields=["status"])
    body = client.get(f"/c/{certificate.code}/").content.decode()
    assert "已被取代" in body


def test_the_public_page_reads_the_code_in_any_case_and_with_dashes(client, certificate):
    assert client.get(f"/c/{service.format_code(certificate.code).lower()}/").status_code == 200


def test_the_lookup_form_leads_to_the_page_or_explains_the_format(client, certificate):
    response = client.get("/c/", {"code": service.format_code(certificate.code)})
    assert response["Location"] == f"/c/{certificate.code}/"
    response = client.get("/c/", {"code": "12345"})
    assert response.status_code == 200
    assert "16" in response.content.decode()
    assert client.get("/c/").status_code == 200


def test_the_public_page_in_english(client, certificate):
    client.cookies["django_language"] = "en"
    body = client.get(f"/c/{certificate.code}/").content.decode()
    assert "Valid: this certificate" in body
    assert "Manual entry" in body


# ---- stars on the volunteer and team pages ------------------------------------------------------


def test_my_volunteer_page_shows_the_progress_to_the_next_star(client, town, hours_a, login):
    login(town.member_a.user)
    body = client.get("/volunteers/me/").content.decode()
    # 2 + 3.5 + 7 + 11 = 23.5 verified hours: 76.5 more to one star (100 hours).
    assert "76.5" in body
    assert 'data-testid="star-progress"' in body
    assert url(town.member_a) in body


def test_the_team_leader_sees_the_progress_but_no_certificate_link(client, town, hours_a, login):
    login(town.leader_a.user)
    body = client.get(f"/volunteers/{town.member_a.pk}/").content.decode()
    assert 'data-testid="star-progress"' in body
    assert url(town.member_a) not in body
