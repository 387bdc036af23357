"""Events of the order workflow that other apps react to (the points app awards on them).

Sent inside the transaction of the transition, so a receiver's writes commit or roll back
together with the order. Receivers must be idempotent (one source earns a rule once).
"""

from django.dispatch import Signal

# kwargs: order (activities.Order), records (list of volunteers.ServiceRecord made for it), actor (User)
order_completed = Signal()
# kwargs: order (activities.Order, with .stars set), actor (User)
order_rated = Signal()
