"""An SMS backend for the system test: takes SMS_DELAY_SECONDS to "send", so the test can kill
a worker in the middle of a delivery, and leaves a marker file `sending-<pid>-<n>` while it does."""

from __future__ import annotations

import itertools
import logging
import os
import time
from pathlib import Path

from django.conf import settings

from practice_center.channels import FileSMSBackend
from practice_center.text import mask_phone

logger = logging.getLogger(__name__)
_counter = itertools.count()


class SlowFileSMSBackend(FileSMSBackend):
    def send(self, *, phone: str, text: str) -> None:
        marker = Path(settings.SMS_FILE_PATH).with_name(f"sending-{os.getpid()}-{next(_counter)}")
        marker.write_text(text, encoding="utf-8")
        time.sleep(float(os.environ.get("SMS_DELAY_SECONDS", "1")))
        super().send(phone=phone, text=text)  # the provider has it: written to the file
        marker.unlink()
        logger.info("SMS to %s delivered", mask_phone(phone))
