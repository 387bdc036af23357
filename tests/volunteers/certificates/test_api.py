"""API: POST/GET /volunteers/{id}/certificates/, the PDF, GET /certificates/{code}/ (no log-in)."""

from __future__ import annotations

import datetime

import pytest

from tests.volunteers.certificates.conftest import H1_FROM, H1_TO
from volunteers import certificates as service
from volunteers.models import Certificate

PERIOD = {"from": "2026-01-01", "to": "2026-06-30"}


def path(volunteer, suffix=""):
    return f"/api/v1/volunteers/{volunteer.pk}/certificates/{suffix}"


@pytest.fixture
def certificate(town, hours_a):
    return service.certificate_issue(volunteer=town.member_a, date_from=H1_FROM, date_to=H1_TO, actor=town.staff_a)


def test_the_volunteer_asks_for_a_certificate_and_gets_201_with_code_url_and_hours(api, town, hours_a):
    response = api(town.member_a.user).post(path(town.member_a), PERIOD, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    certificate = Certificate.objects.get()
    assert data["code"] == certificate.code
    assert data["url"] == f"http://testserver/c/{certificate.code}/"
    assert data["pdf_url"].endswith(f"/api/v1/volunteers/{town.member_a.pk}/certificates/{certificate.code}.pdf")
    assert data["hours"] == "5.50"
    assert data["valid"] is True and data["status"] == "valid"
    assert data["name"] == "志愿者甲"
    assert data["period_from"] == "2026-01-01" and data["period_to"] == "2026-06-30"
    assert data["content_hash"] == certificate.content_hash


def test_asking_again_for_the_same_facts_answers_200_with_the_same_certificate(api, town, hours_a):
    client = api(town.member_a.user)
    first = client.post(path(town.member_a), PERIOD, format="json")
    second = client.post(path(town.member_a), PERIOD, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["code"] == second.json()["code"]
    assert Certificate.objects.count() == 1


def test_a_volunteer_cannot_ask_for_someone_elses_certificate(api, town, hours_a):
    # member_a is not the leader: leader_a is not visible to member_a at all (404); the leader
    # sees member_a but may not issue (403).
    assert api(town.member_a.user).post(path(town.leader_a), PERIOD, format="json").status_code == 404
    assert api(town.leader_a.user).post(path(town.member_a), PERIOD, format="json").status_code == 403
    assert not Certificate.objects.exists()


def test_staff_issue_within_their_subtree_only(api, town, hours_a):
    assert api(town.staff_b).post(path(town.member_a), PERIOD, format="json").status_code == 404
    assert api(town.institute_staff).post(path(town.member_a), PERIOD, format="json").status_code == 201


def test_anonymous_cannot_ask_or_list(api, town, hours_a):
    assert api().post(path(town.member_a), PERIOD, format="json").status_code == 401
    assert api().get(path(town.member_a)).status_code == 401


def test_a_missing_volunteer_is_404(api, town):
    assert api(town.admin).post("/api/v1/volunteers/999999999/certificates/", PERIOD, format="json").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"from": "2026-01-01"},
        {"from": "x", "to": "y"},
        {"from": "2026-06-30", "to": "2026-01-01"},
        {"from": "2026-01-01", "to": "2099-01-01"},
        {"from": "1900-01-01", "to": "2026-01-01"},
        {"from": ["2026-01-01"], "to": {"a": 1}},
        {"from": "2026-03-01", "to": "2026-03-02"},  # no verified hours
        {"from": 20260101, "to": None},
    ],
)
def test_bad_input_is_400_never_500(api, town, hours_a, body):
    response = api(town.member_a.user).post(path(town.member_a), body, format="json")
    assert response.status_code == 400, response.content


def test_a_volunteer_not_approved_gets_409(api, town, hours_a):
    town.member_a.status = "pending"
    town.member_a.save(update_fields=["status"])
    response = api(town.staff_a).post(path(town.member_a), PERIOD, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "volunteer_not_approved"


def test_the_list_is_newest_first_with_statuses_and_constant_queries(
    api, town, hours_a, certificate, django_assert_num_queries
):
    client = api(town.member_a.user)
    client.get(path(town.member_a))
    with django_assert_num_queries(4) as one:
        response = client.get(path(town.member_a))
    assert [row["code"] for row in response.json()["results"]] == [certificate.code]
    for month in range(7, 12):
        service.certificate_issue(
            volunteer=town.member_a, date_from=H1_FROM, date_to=datetime.date(2026, month, 1), actor=town.staff_a
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(path(town.member_a))
    assert len(response.json()["results"]) == 6


def test_the_pdf_for_the_volunteer_and_staff_not_for_others(api, town, certificate):
    pdf = path(town.member_a, f"{certificate.code}.pdf")
    response = api(town.member_a.user).get(pdf)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert api(town.staff_b).get(pdf).status_code == 404
    assert api(town.leader_a.user).get(pdf).status_code == 403
    assert api().get(pdf).status_code == 401
    assert api(town.member_a.user).get(path(town.member_a, "NOTACODE0000000.pdf")).status_code == 404
    assert api(town.member_a.user).get(path(town.member_a, "AAAAAAAAAAAAAAAA.pdf")).status_code == 404


def test_anyone_reads_a_certificate_by_code_with_the_name_masked(api, certificate):
    response = api().get(f"/api/v1/certificates/{certificate.code}/")
    assert response.status_code == 200
    data = response.json()
    assert data["valid"] is True and data["status"] == "valid"
    assert data["name"] == "志**甲"
    assert data["hours"] == "5.50"
    assert data["period_from"] == "2026-01-01"
    assert data["site"] == "幸福村实践站"
    assert data["teams"] == ["幸福村志愿服务队"]
    assert data["by_category"] == [{"name": "手工录入", "hours": "5.50"}]
    assert "志愿者甲" not in response.content.decode()
    assert "records" not in data


def test_an_unknown_or_malformed_code_is_404(api, certificate):
    assert api().get(f"/api/v1/certificates/{'Z' * 16}/").status_code == 404
    assert api().get("/api/v1/certificates/short/").status_code == 404
    assert api().get("/api/v1/certificates/" + "%00" * 5 + "/").status_code == 404


def test_a_superseded_code_answers_valid_false(api, certificate, hours_a):
    hours_a["last_day"].status = "rejected"
    hours_a["last_day"].save(update_fields=["status"])
    data = api().get(f"/api/v1/certificates/{certificate.code}/").json()
    assert data["valid"] is False and data["status"] == "superseded"


def test_the_public_endpoint_ignores_a_bad_login(api, certificate):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    assert client.get(f"/api/v1/certificates/{certificate.code}/").status_code == 200
