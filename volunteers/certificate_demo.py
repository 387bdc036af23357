"""seed_demo: a service certificate for demo-volunteer, once the hours are in."""

from volunteers.certificates import seed_demo_certificate


def seed(town) -> None:
    """Issue demo-volunteer's certificate of this year so far (idempotent)."""
    seed_demo_certificate(town)
