"""The models of the activities app: the menu and orders (`orders`), scheduled activities (`sessions`).

Everything is re-exported here, so `from activities.models import Order, Activity` works.
"""

from activities.models.orders import (
    LOAD_STATUSES,
    OPEN_STATUSES,
    Category,
    MenuItem,
    MenuItemQuerySet,
    Order,
    OrderAction,
    OrderEvent,
    OrderKind,
    OrderQuerySet,
    OrderStatus,
)
from activities.models.sessions import (
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityPhoto,
    ActivityQuerySet,
    ActivityStatus,
    Enrollment,
    EnrollmentQuerySet,
    EnrollmentStatus,
    OpenTo,
    Theme,
    ThemeQuerySet,
)

__all__ = [
    "LOAD_STATUSES",
    "OPEN_STATUSES",
    "Activity",
    "ActivityAction",
    "ActivityEvent",
    "ActivityPhoto",
    "ActivityQuerySet",
    "ActivityStatus",
    "Category",
    "Enrollment",
    "EnrollmentQuerySet",
    "EnrollmentStatus",
    "MenuItem",
    "MenuItemQuerySet",
    "OpenTo",
    "Order",
    "OrderAction",
    "OrderEvent",
    "OrderKind",
    "OrderQuerySet",
    "OrderStatus",
    "Theme",
    "ThemeQuerySet",
]
