"""Build the demo town: `python manage.py seed_demo`. Idempotent: a second run changes nothing."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from practice_center.demo import DEMO_ACCOUNTS, build_organisation, demo_password
from volunteers.certificates import seed_demo_certificate

# Order matters: volunteers and teams first, then what uses them.
APP_SEEDERS = ("volunteers", "activities", "points", "activities.sessions", "reports")


class Command(BaseCommand):
    help = "Build a demo town with the demo accounts (password from DEMO_PASSWORD, default demo12345)."

    def add_arguments(self, parser):
        parser.add_argument("--households-per-grid", type=int, default=6)

    def handle(self, *args, **options):
        with transaction.atomic():
            town = build_organisation(households_per_grid=options["households_per_grid"])
            for app in APP_SEEDERS:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed(town)
            seed_demo_certificate(town)  # a service certificate for demo-volunteer (issue 12)
        self.stdout.write(
            self.style.SUCCESS(f"Demo town ready: {len(town.stations)} stations, {len(town.households)} households.")
        )
        self.stdout.write(f"Demo accounts (password {demo_password()!r}):")
        for username, role in DEMO_ACCOUNTS.items():
            self.stdout.write(f"  {username:16} {role}")
