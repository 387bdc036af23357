"""Events of service records that other apps react to (the points app pays and reverses hours).

Sent inside the transaction that changes the record, so a receiver's writes commit or roll
back with it. Receivers must be idempotent (one record earns the hours' points once).
"""

from django.dispatch import Signal

# kwargs: record (volunteers.ServiceRecord, now verified), actor (User or None)
service_record_verified = Signal()
# kwargs: record (volunteers.ServiceRecord, now rejected), actor (User), was_verified (bool), reason (str)
service_record_rejected = Signal()
