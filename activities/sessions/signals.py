"""Events of scheduled activities that higher apps react to (the points app awards on them).

Sent inside the transaction of the change; receivers must be idempotent.
"""

from django.dispatch import Signal

# kwargs: activity (Activity), enrollment (Enrollment, just checked in), actor (User or None)
activity_checked_in = Signal()
