"""The standard rules a town starts with (each at version 1, effective from 2024-01-01).

Points and caps are a sensible start; staff change them through new rule versions, which
never alter entries already made.
"""

import datetime
import zoneinfo

from django.db import migrations

STAFF = ["station_staff", "center_admin"]
START = datetime.datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))

# code, Chinese name, English name, unit, awarded by, points, cap per day, cap per month
RULES = [
    ("attend_activity", "参加实践活动", "Attending an activity", "each", ["system", *STAFF], 2, 6, 40),
    ("service_hour", "志愿服务（每小时）", "An hour of verified volunteer service", "hour", ["system", *STAFF], 5, 40, 300),
    ("cleanup", "环境卫生整治", "Clean-up and sanitation", "each", STAFF, 3, 6, 30),
    ("old_customs", "移风易俗", "Changing old customs (simple weddings and funerals)", "each", STAFF, 20, None, 40),
    ("public_welfare", "公益善举", "Public-welfare deeds", "each", STAFF, 10, 20, 50),
    ("good_deed", "好人好事", "Good deeds", "each", STAFF, 5, 10, 30),
    ("named_good_person", "获评身边好人", "Named a good person", "each", ["center_admin"], 50, None, None),
    ("five_star_bonus", "服务获五星好评", "Service rated five stars (bonus)", "each", ["system"], 2, None, None),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("points", "Rule")
    RuleVersion = apps.get_model("points", "RuleVersion")
    for code, zh, en, unit, awarded_by, points, per_day, per_month in RULES:
        rule, created = Rule.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "unit": unit,
                "awarded_by": awarded_by,
                "cap_per_day": per_day,
                "cap_per_month": per_month,
            },
        )
        if created:
            RuleVersion.objects.create(rule=rule, number=1, points=points, effective_from=START, note="initial")


def unseed(apps, schema_editor):
    pass  # rules may already have entries; leave them


class Migration(migrations.Migration):
    dependencies = [("points", "0002_entry_append_only_trigger")]

    operations = [migrations.RunPython(seed, unseed)]
