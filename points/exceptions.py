"""Why a points action cannot happen now (the API answers 409 with the `code`)."""

from django.utils.translation import gettext_lazy as _

from practice_center.exceptions import DomainError, InvalidTransition


class PointsError(DomainError):
    code = "points_error"


class AlreadyAwarded(PointsError):
    code = "already_awarded"
    default_message = _("This rule was already awarded for this source.")


class CapReached(PointsError):
    code = "cap_reached"
    default_message = _("The household has reached the limit of points for this rule in this period.")


class RuleInactive(PointsError):
    code = "rule_inactive"
    default_message = _("This rule is no longer in use.")


class RuleNotApplicable(PointsError):
    code = "rule_not_applicable"
    default_message = _("This rule does not apply at the household's station.")


class RuleNotInForce(PointsError):
    code = "rule_not_in_force"
    default_message = _("This rule had no points value at that time.")


class InsufficientPoints(PointsError):
    code = "insufficient_points"
    default_message = _("The household does not have enough points.")


class OutOfStock(PointsError):
    code = "out_of_stock"
    default_message = _("Not enough of this item is left.")


class ProductUnavailable(PointsError):
    code = "product_unavailable"
    default_message = _("This item is not on offer any more.")


class AlreadyCorrected(PointsError):
    code = "already_corrected"
    default_message = _("This entry was already corrected.")


class RedemptionNotReserved(InvalidTransition):
    default_message = _("This redemption was already handed over or cancelled.")


# ---- honours ---------------------------------------------------------------------------------
class HonourListExists(DomainError):
    code = "honour_list_exists"
    default_message = _(
        "A list for this honour, year, site and category already exists; withdraw it before freezing a new one."
    )


class EmptyRanking(DomainError):
    code = "empty_ranking"
    default_message = _("No household earned points in that year and scope, so there is nothing to freeze.")


class NoticeNotOver(DomainError):
    code = "notice_not_over"
    default_message = _("The public notice period is not over yet.")


class ObjectionsUnanswered(DomainError):
    code = "objections_unanswered"
    default_message = _("Answer every objection before making the list final.")


class ObjectionUpheld(DomainError):
    code = "objection_upheld"
    default_message = _(
        "An objection was upheld: withdraw this list and freeze a corrected one instead of making it final."
    )


class NoticeClosed(DomainError):
    code = "notice_closed"
    default_message = _("Objections are accepted only while the list is in public notice.")


class AlreadyAnswered(DomainError):
    code = "already_answered"
    default_message = _("This objection has already been answered.")
