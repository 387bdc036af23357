"""Re-encode product pictures stored before uploads were re-encoded (run once after deploying that)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from points.services.catalogue import product_pictures_reencode


class Command(BaseCommand):
    help = (
        "Replace every product picture by a re-encoded JPEG of at most 800 px without metadata "
        "(files that are not pictures are taken off their product); the originals are deleted."
    )

    def handle(self, *args, **options):
        counts = product_pictures_reencode()
        self.stdout.write(f"re-encoded {counts['reencoded']}, removed {counts['removed']}")
