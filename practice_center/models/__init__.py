"""Models of the organisation app, one module per concern."""

from .audit import AuditEvent  # noqa: F401
from .idempotency import IdempotencyKey  # noqa: F401
from .notifications import Channel, Delivery, DeliveryStatus, Notification  # noqa: F401
from .organisation import (  # noqa: F401
    GRID_ROLES,
    SITE_ROLES,
    SIX_HAVES,
    Grid,
    Household,
    HouseholdCategory,
    Role,
    RoleAssignment,
    Site,
    SiteLevel,
    User,
)
