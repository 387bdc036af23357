"""Domain errors of the menu and orders: the API answers 409 with the code, pages a message."""

from django.utils.translation import gettext_lazy as _

from practice_center.exceptions import DomainError
from practice_center.exceptions import InvalidTransition as _BaseInvalidTransition


class InvalidTransition(_BaseInvalidTransition):
    code = "invalid_transition"
    default_message = _("This order is no longer in a state that allows this. Reload to see what changed.")


class TooManyOpenOrders(DomainError):
    code = "too_many_open_orders"
    default_message = _("You already have the most open orders allowed. Wait until one is finished.")


class RatingWindowClosed(DomainError):
    code = "rating_window_closed"
    default_message = _("The time to rate this order has passed.")


class MenuItemNotOffered(DomainError):
    code = "menu_item_not_offered"
    default_message = _("This service is not on offer at your station.")


class ConflictOfInterest(DomainError):
    """The household that placed an order (or posted a wish) would serve, complete or claim it
    itself (DESIGN.md, "Civility points": no household earns points from its own order)."""

    code = "conflict_of_interest"
    default_message = _("Your household placed this order: someone from another household must serve and complete it.")
