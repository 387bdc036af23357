"""Every model is in the admin, and its pages open for the superuser."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory

APPS = {"practice_center", "volunteers", "activities", "points"}
# Shown inside their parent's page rather than on their own.
INLINE_ONLY = {"activities.OrderEvent", "points.RuleVersion", "points.HonourEntry", "points.HonourEvent"}


def test_every_model_of_the_portal_is_in_the_admin():
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in APPS and m not in admin.site._registry and m._meta.label not in INLINE_ONLY
    ]
    assert missing == []


@pytest.mark.django_db
def test_each_admin_list_page_opens_in_chinese(town, login):
    client = login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model in admin.site._registry:
        if model._meta.app_label not in APPS:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="zh-hans"' in response.content.decode(), url
