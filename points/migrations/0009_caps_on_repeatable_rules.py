"""Every rule that can be earned again and again has a cap (DESIGN.md, "Civility points").

The five-star bonus and "named a good person" had none, so a loop of self-serving orders could
earn the bonus without end. Caps are set only where none was set by the center.
"""

from django.db import migrations

CAPS = {"five_star_bonus": (4, 20), "named_good_person": (None, 50)}


def set_caps(apps, schema_editor):
    Rule = apps.get_model("points", "Rule")
    for code, (per_day, per_month) in CAPS.items():
        Rule.objects.filter(code=code, cap_per_day__isnull=True, cap_per_month__isnull=True).update(
            cap_per_day=per_day, cap_per_month=per_month
        )


class Migration(migrations.Migration):
    dependencies = [("points", "0008_service_record_source")]
    operations = [migrations.RunPython(set_caps, migrations.RunPython.noop)]
