"""The PDF opens, names the volunteer and the hours, and carries its Chinese font inside."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.volunteers.certificates.conftest import H1_FROM, H1_TO
from volunteers import certificates as service

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        from tests.conftest import need_service

        need_service(f"needs {tool} (apt-get install -y poppler-utils)")
    return path


@pytest.fixture
def certificate(town, hours_a):
    return service.certificate_issue(volunteer=town.member_a, date_from=H1_FROM, date_to=H1_TO, actor=town.staff_a)


def fetch_pdf(client, user, certificate, tmp_path, language="zh-hans") -> Path:
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(f"/volunteers/{certificate.volunteer_id}/certificates/{certificate.code}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / f"certificate-{language}.pdf"
    path.write_bytes(response.content)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"certificate-{language}.pdf").write_bytes(response.content)
    return path


def test_the_pdf_opens_and_pdftotext_finds_the_name_the_hours_and_the_code(client, town, certificate, tmp_path):
    path = fetch_pdf(client, town.member_a.user, certificate, tmp_path)
    text = subprocess.run([poppler("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    assert "志愿者甲" in text.stdout
    assert "5.50" in text.stdout
    assert "志愿服务证明" in text.stdout
    assert service.format_code(certificate.code) in text.stdout
    info = subprocess.run([poppler("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info


def test_the_pdf_embeds_its_chinese_font(client, town, certificate, tmp_path):
    path = fetch_pdf(client, town.member_a.user, certificate, tmp_path)
    fonts = subprocess.run([poppler("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert any("NotoSansCJK" in row.replace("-", "") for row in rows), fonts
    # Columns: name type encoding emb sub uni object ID; every font is embedded ("yes").
    assert all(row.split()[-5] == "yes" for row in rows), fonts


def test_the_pdf_in_english_has_english_labels_and_the_same_facts(client, town, certificate, tmp_path):
    path = fetch_pdf(client, town.member_a.user, certificate, tmp_path, language="en")
    text = subprocess.run([poppler("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Volunteer service certificate" in text
    assert "志愿者甲" in text and "5.50" in text


def test_the_pdf_of_a_superseded_certificate_says_so(client, town, certificate, hours_a, tmp_path):
    hours_a["last_day"].status = "rejected"
    hours_a["last_day"].save(update_fields=["status"])
    path = fetch_pdf(client, town.member_a.user, certificate, tmp_path)
    text = subprocess.run([poppler("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "已被取代" in text
