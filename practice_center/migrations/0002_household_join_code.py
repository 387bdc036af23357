"""Household.join_code: a short unique code family members use to join when registering."""

from django.db import migrations, models

import practice_center.models.organisation


def fill_codes(apps, schema_editor):
    Household = apps.get_model("practice_center", "Household")
    used = set()
    for household in Household.objects.filter(join_code__isnull=True).only("pk"):
        code = practice_center.models.organisation.generate_join_code()
        while code in used or Household.objects.filter(join_code=code).exists():
            code = practice_center.models.organisation.generate_join_code()
        used.add(code)
        Household.objects.filter(pk=household.pk).update(join_code=code)


class Migration(migrations.Migration):
    dependencies = [("practice_center", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="household",
            name="join_code",
            field=models.CharField(editable=False, max_length=12, null=True, verbose_name="join code"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="household",
            name="join_code",
            field=models.CharField(
                default=practice_center.models.organisation.generate_join_code,
                editable=False,
                help_text="Family members enter this code when they register to join the household.",
                max_length=12,
                unique=True,
                verbose_name="join code",
            ),
        ),
    ]
