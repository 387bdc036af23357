"""Scheduled activities: sign-up with a waiting list, check-in, calendar and iCal."""
