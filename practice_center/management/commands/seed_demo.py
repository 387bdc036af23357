"""Build the demo town: `python manage.py seed_demo`. Idempotent: a second run changes nothing."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from practice_center.demo import DEMO_ACCOUNTS, build_organisation, demo_password

# The demo modules of the apps above, each with `seed(town)`; named, not imported, so the
# organisation app does not import them. Order matters: volunteers and teams first, then what
# uses them; certificates after the hours exist.
APP_SEEDERS = (
    "volunteers.demo",
    "activities.demo",
    "points.demo",
    "activities.sessions.demo",
    "reports.demo",
    "volunteers.certificate_demo",
)


class Command(BaseCommand):
    help = "Build a demo town with the demo accounts (password from DEMO_PASSWORD, default demo12345)."

    def add_arguments(self, parser):
        parser.add_argument("--households-per-grid", type=int, default=6)

    def handle(self, *args, **options):
        with transaction.atomic():
            town = build_organisation(households_per_grid=options["households_per_grid"])
            for name in APP_SEEDERS:
                try:
                    module = import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue
                module.seed(town)
        self.stdout.write(
            self.style.SUCCESS(f"Demo town ready: {len(town.stations)} stations, {len(town.households)} households.")
        )
        self.stdout.write(f"Demo accounts (password {demo_password()!r}):")
        for username, role in DEMO_ACCOUNTS.items():
            self.stdout.write(f"  {username:16} {role}")
