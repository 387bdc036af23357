"""Categories, the activity menu, orders and scheduled activities."""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A service category: the five platforms and the further fields stations work in.

    Names are data, kept in both languages; `name` answers in the active language.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_platform = models.BooleanField(_("one of the five platforms"), default=False)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (translation.get_language() or "").startswith("en") else self.name_zh
