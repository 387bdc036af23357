"""Rebuild the Chinese catalogue: extract every string, fill it from i18n/zh_Hans/*.po, compile.

Translations are kept in one file per app (i18n/zh_Hans/<app>.po: practice_center, volunteers,
activities, points, reports; ordinary msgid/msgstr pairs; a string used by several apps lives
with the lowest floor). Django's makemessages extracts every string; the catalogue in locale/ is
generated from the app files and committed compiled.

    python scripts/messages.py          # rebuild and compile, list what is untranslated
    python scripts/messages.py --check  # the same, and exit 1 if anything is untranslated
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
FRAGMENTS = ROOT / "i18n" / "zh_Hans"


def key(entry: polib.POEntry) -> tuple[str | None, str, str | None]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or None)


def main() -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "practice_center.settings"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [
            *manage,
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
            "--ignore",
            ".venv/*",
            "--ignore",
            "staticfiles/*",
            "--ignore",
            "bench/*",
            "--ignore",
            "tests/*",
        ],
        check=True,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    known: dict = {}
    for fragment in sorted(FRAGMENTS.glob("*.po")):
        for entry in polib.pofile(str(fragment)):
            if entry.msgstr or entry.msgstr_plural:
                known[key(entry)] = entry
    catalogue = polib.pofile(str(CATALOGUE))
    # A timestamp would make every run differ and CI's "catalogue is up to date" check meaningless.
    catalogue.metadata.pop("POT-Creation-Date", None)
    catalogue.metadata["Language"] = "zh_Hans"
    catalogue.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    missing = []
    for entry in catalogue:
        source = known.get(key(entry))
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        if source is None:
            entry.msgstr = ""
            if entry.msgid_plural:
                entry.msgstr_plural = {0: ""}
            missing.append(entry.msgid)
        elif entry.msgid_plural:
            entry.msgstr_plural = {0: source.msgstr_plural.get(0) or source.msgstr}
        else:
            entry.msgstr = source.msgstr
    catalogue.save()
    subprocess.run(
        [*manage, "compilemessages", "-l", "zh_Hans"], check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    print(f"{len(catalogue)} strings, {len(missing)} untranslated")
    for msgid in missing:
        print(f"  untranslated: {msgid!r}")
    return 1 if missing and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
