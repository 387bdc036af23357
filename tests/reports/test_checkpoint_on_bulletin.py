"""The ledger checkpoint's digest is printed on each published bulletin (README, "What the ledger
key protects"): anyone holding a paper bulletin can compare it with the admins' e-mails."""

from __future__ import annotations

import pytest

from points.checkpoints import checkpoint_take

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_folder(tmp_path, settings):
    settings.LEDGER_CHECKPOINT_DIR = tmp_path / "checkpoints"


def test_a_published_bulletin_prints_the_checkpoint_taken_before_it(town, report_a, walk, client):
    checkpoint = checkpoint_take(notify_admins=False)
    report = walk(report_a, "published")
    checkpoint_take(notify_admins=False)  # a later one is not the bulletin's
    client.force_login(town.staff_a)
    for path in (f"/reports/{report.pk}/", f"/reports/{report.pk}/print/"):
        page = client.get(path).content.decode()
        assert f"摘要：{checkpoint.digest}" in page, path


def test_a_report_under_review_prints_no_checkpoint(town, report_a, walk, client):
    checkpoint_take(notify_admins=False)
    report = walk(report_a, "submitted")
    client.force_login(town.staff_a)
    assert "积分账本校验点" not in client.get(f"/reports/{report.pk}/").content.decode()
