"""The five platforms and the further fields stations work in (data, both languages)."""

from django.db import migrations

CATEGORIES = [
    # code, Chinese, English, is one of the five platforms
    ("theory", "理论宣讲", "Theory outreach", True),
    ("culture", "文化服务", "Culture", True),
    ("education", "教育服务", "Education", True),
    ("sports", "健身体育", "Sports and fitness", True),
    ("science", "科技科普", "Science and technology", True),
    ("health", "卫生健康", "Health", False),
    ("ecology", "生态环保", "Ecology and environment", False),
    ("law", "法律服务", "Legal aid", False),
    ("elderly_care", "关爱老人", "Elderly care", False),
    ("children_care", "关爱儿童", "Children care", False),
    ("women", "妇女服务", "Women's service", False),
    ("house_meeting", "屋场会", "House meetings", False),
]


def seed(apps, schema_editor):
    Category = apps.get_model("activities", "Category")
    for order, (code, zh, en, platform) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": order, "is_platform": platform}
        )


def unseed(apps, schema_editor):
    apps.get_model("activities", "Category").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
