"""How long one service certificate's PDF takes to make, and how big it is.

    .venv/bin/python bench/certificate_pdf_bench.py [--runs 5]

Renders the PDF template of a certificate with twelve categories (in memory, no database) in
Chinese and in English and prints the seconds per PDF (first run, with font loading, and the
median of the rest) and the size, against the targets: under 3 s per PDF on one busy core
(a person waits for it in the browser) and under 1 MB (the CJK font is embedded as a subset).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice_center.settings")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import translation
    from weasyprint import HTML

    from volunteers import certificates as service
    from volunteers.certificate_views import _sheet_context
    from volunteers.models import Certificate

    code = service.new_code()
    content = {
        "v": 1,
        "code": code,
        "volunteer": {"id": 1, "name": "欧阳建国", "phone_masked": "138****1234"},
        "teams": ["幸福村文艺志愿服务队", "幸福村法律与健康志愿服务队"],
        "period": {"from": "2026-01-01", "to": "2026-06-30"},
        "hours": "123.50",
        "by_category": [
            {"code": f"c{i}", "name_zh": f"类别{i}", "name_en": f"Category {i}", "hours": "10.25"} for i in range(12)
        ],
        "record_count": 48,
        "star_level": 1,
        "site": {"id": 1, "name": "幸福村新时代文明实践站"},
        "records": [],
        "issued_at": "2026-07-01T09:30:00+08:00",
        "issued_by": {"id": 1, "name": "站管理员"},
    }
    certificate = Certificate(pk=1, volunteer_id=1, code=code, content=content, content_hash="0" * 64)
    request = RequestFactory().get("/")
    for language in ("zh-hans", "en"):
        with translation.override(language):
            times, size = [], 0
            for _ in range(args.runs):
                started = time.perf_counter()
                html = render_to_string(
                    "volunteers/certificates/pdf.html", _sheet_context(request, certificate, service.VALID)
                )
                document = HTML(string=html, base_url="http://testserver/").render()
                pdf = document.write_pdf()
                times.append(time.perf_counter() - started)
                size = len(pdf)
                pages = len(document.pages)
            rest = statistics.median(times[1:]) if len(times) > 1 else times[0]
            print(
                f"{language:8} first {times[0]:.2f} s, median of the rest {rest:.2f} s (target < 3 s); "
                f"size {size / 1024:.0f} KB (target < 1024 KB); {pages} page(s) (target 1)"
            )


if __name__ == "__main__":
    main()
