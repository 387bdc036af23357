"""Tell volunteers' certificates and hours exports the service category of an order's records.

volunteers sits below activities and may not import it; this registers upward instead
(imported from ActivitiesConfig.ready()).
"""

from __future__ import annotations

from activities.models import Order
from volunteers.certificates import register_category_source


def order_categories(ids: list[int]) -> dict[int, dict[str, str]]:
    """{order id: {"code", "name_zh", "name_en"}} for the orders that have a category; one query."""
    return {
        pk: {"code": code, "name_zh": name_zh, "name_en": name_en}
        for pk, code, name_zh, name_en in Order.objects.filter(pk__in=ids, category__isnull=False).values_list(
            "pk", "category__code", "category__name_zh", "category__name_en"
        )
    }


register_category_source("order", order_categories)
