"""Service certificates (志愿服务证明): issue one, verify it, tell whether it is superseded;
the hours rows that certificates and exports share.

A certificate states the verified service hours of a volunteer over a period of local dates
(Asia/Shanghai; `ServiceRecord.served_on` is already a local date), with the hours by
category, the teams, the star level, the issuing station and the date. Its facts are written
once into `Certificate.content` (JSON of strings, integers, lists and objects only, so that
it reads back from the database exactly as written) and hashed with SHA-256; PostgreSQL
refuses to change them (migration 0002).

Superseded, not edited: a certificate lists the records it counted (id, date, hours). When
one of them is later rejected, corrected or removed, the certificate answers "superseded" and
the volunteer or staff may issue a new one (whose records differ, so it is a new row). The
check is a recomputation, not a flag, so no code path that changes a record can forget it.
Records verified later for the same period do not supersede it: what it says stays true.

Categories live in apps above this one (an order's service category, activities app); they
register a resolver here (`register_category_source`), so this module imports nothing above it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from practice_center.audit import audit_record
from practice_center.exceptions import NotAllowed
from practice_center.models import User
from practice_center.text import canonical_code, mask_name, mask_phone
from volunteers.certificate_permissions import may_issue_certificate
from volunteers.exceptions import NotApproved
from volunteers.models import (
    Certificate,
    RecordSource,
    RecordStatus,
    ServiceRecord,
    Volunteer,
    VolunteerStatus,
)
from volunteers.selectors import star_level_for

CONTENT_VERSION = 1
# Crockford-style alphabet without 0/O, 1/I/L: easy to read aloud and type from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# 16 characters of 31: about 79 bits, far beyond guessing or enumerating any code that exists.
CODE_LENGTH = 16
EARLIEST = datetime.date(2000, 1, 1)

VALID = "valid"
SUPERSEDED = "superseded"
ALTERED = "altered"  # the stored content no longer matches its hash (tampering in the database)
STATUS_LABELS = {
    VALID: gettext_lazy("Valid"),
    SUPERSEDED: gettext_lazy("Superseded"),
    ALTERED: gettext_lazy("Not valid: the stored content was altered"),
}


# ---- codes ----------------------------------------------------------------------------------


def new_code() -> str:
    """A fresh random code: CODE_LENGTH characters of CODE_ALPHABET from `secrets`."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: Any) -> str | None:
    """The code in `text` as stored (practice_center.text.canonical_code), or None when it
    cannot be a code (wrong length or characters): such input never reaches the database."""
    value = canonical_code(str(text or ""))  # full width, spaces, dashes, any case
    if len(value) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in value):
        return None
    return value


def format_code(code: str) -> str:
    """ABCD-EFGH-JKMN-PQRS: the code in groups of four, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# ---- categories (registered by apps above this one) -------------------------------------------

# source -> function(list of source ids) -> {source id: {"code", "name_zh", "name_en"}}
CategoryResolver = Callable[[list[int]], dict[int, dict[str, str]]]
_CATEGORY_SOURCES: dict[str, CategoryResolver] = {}


def register_category_source(source: str, resolver: CategoryResolver) -> None:
    """Let records of `source` (a RecordSource value) be grouped by the category of what they
    came from. `resolver` receives source ids and answers one dict per id it knows."""
    _CATEGORY_SOURCES[source] = resolver


def _source_category(source: str) -> dict[str, str]:
    """The fallback category of a record nobody resolved: its source (activity, manual entry)."""
    label = RecordSource(source).label if source in RecordSource.values else source
    with translation.override("zh-hans"):
        name_zh = str(label)
    with translation.override("en"):
        name_en = str(label)
    return {"code": f"source-{source}", "name_zh": name_zh, "name_en": name_en}


def categories_for(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The category of each row (dicts with "source" and "source_id"), one query per source."""
    ids_by_source: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row["source"] in _CATEGORY_SOURCES and row["source_id"] is not None:
            ids_by_source[row["source"]].append(row["source_id"])
    resolved = {source: _CATEGORY_SOURCES[source](ids) for source, ids in ids_by_source.items()}
    return [resolved.get(row["source"], {}).get(row["source_id"]) or _source_category(row["source"]) for row in rows]


def category_name(category: dict[str, str]) -> str:
    """A frozen category's name in the active language."""
    language = translation.get_language() or ""
    return category.get("name_en" if language.startswith("en") else "name_zh") or category.get("code", "")


# ---- the facts --------------------------------------------------------------------------------


def canonical_json(data: Any) -> bytes:
    """The bytes that are hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_of(data: Any) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def _hours_text(value: Decimal | int) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def verified_records(
    *, volunteer: Volunteer, date_from: datetime.date, date_to: datetime.date
) -> QuerySet[ServiceRecord]:
    """The records a certificate of this period counts: verified, served on a local date from
    `date_from` to `date_to`, both included. Pending and rejected records never count."""
    return ServiceRecord.objects.filter(
        volunteer=volunteer, status=RecordStatus.VERIFIED, served_on__gte=date_from, served_on__lte=date_to
    ).order_by("served_on", "pk")


def _validate_period(date_from: Any, date_to: Any) -> tuple[datetime.date, datetime.date]:
    errors: dict[str, str] = {}
    if not isinstance(date_from, datetime.date) or isinstance(date_from, datetime.datetime):
        errors["from"] = _("Enter the first day as a date.")
    if not isinstance(date_to, datetime.date) or isinstance(date_to, datetime.datetime):
        errors["to"] = _("Enter the last day as a date.")
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()  # Asia/Shanghai
    if date_from < EARLIEST:
        errors["from"] = _("The period cannot begin before 2000.")
    if date_to > today:
        errors["to"] = _("The period cannot end after today.")
    if date_from > date_to:
        errors["to"] = _("The last day cannot come before the first.")
    if errors:
        raise ValidationError(errors)
    return date_from, date_to


def certificate_facts(
    *, volunteer: Volunteer, date_from: datetime.date, date_to: datetime.date
) -> tuple[dict[str, Any], list[list]]:
    """What a certificate of this period would say now, and the records it counts.

    Returns (facts, records): facts is JSON-ready (hours as text with two decimals, dates as
    ISO text); records is `[[id, "YYYY-MM-DD", "h.hh"], ...]` in date order.
    Queries: the records, their categories (one per source), the teams, the all-time hours.
    """
    rows = list(
        verified_records(volunteer=volunteer, date_from=date_from, date_to=date_to).values(
            "pk", "served_on", "hours", "source", "source_id"
        )
    )
    categories = categories_for(rows)
    by_category: dict[str, dict[str, Any]] = {}
    total = Decimal("0")
    for row, category in zip(rows, categories, strict=True):
        total += row["hours"]
        entry = by_category.setdefault(category["code"], {**category, "hours": Decimal("0")})
        entry["hours"] += row["hours"]
    all_time = volunteer.service_records.filter(status=RecordStatus.VERIFIED).aggregate(total=Sum("hours"))["total"]
    teams = list(volunteer.teams.filter(is_active=True).order_by("name").values_list("name", flat=True))
    facts = {
        "v": CONTENT_VERSION,
        "volunteer": {
            "id": volunteer.pk,
            "name": volunteer.real_name,
            "phone_masked": mask_phone(volunteer.user.phone or ""),
        },
        "teams": teams,
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "hours": _hours_text(total),
        "by_category": [
            {**entry, "hours": _hours_text(entry["hours"])}
            for entry in sorted(by_category.values(), key=lambda e: (-e["hours"], e["code"]))
        ],
        "record_count": len(rows),
        "star_level": star_level_for(all_time or 0),
        "site": {"id": volunteer.site_id, "name": volunteer.site.name},
    }
    records = [[row["pk"], row["served_on"].isoformat(), _hours_text(row["hours"])] for row in rows]
    return facts, records


# ---- issuing ----------------------------------------------------------------------------------


@transaction.atomic
def certificate_issue(
    *, volunteer: Volunteer, date_from: datetime.date, date_to: datetime.date, actor: User
) -> Certificate:
    """Issue a certificate of `volunteer`'s verified hours from `date_from` to `date_to`
    (local dates, both included), asked for by `actor`.

    Idempotent: when a certificate of the same period already counts exactly the same
    records, that one is returned (its `just_issued` attribute is False; True for a new one),
    so a double submit issues once.
    Raises NotAllowed (not the volunteer, not staff of their subtree), NotApproved (the
    volunteer is not approved), ValidationError {"from"/"to": ...} for a bad period or one
    without verified hours. Writes the audit row `certificate.issue`.
    """
    # The lock serialises two requests for the same volunteer (a double submit).
    volunteer = Volunteer.objects.select_for_update().select_related("site", "user").get(pk=volunteer.pk)
    if not may_issue_certificate(actor, volunteer):
        raise NotAllowed(_("Only the volunteer or staff of their station can ask for a certificate."))
    if volunteer.status != VolunteerStatus.APPROVED:
        raise NotApproved()
    date_from, date_to = _validate_period(date_from, date_to)
    facts, records = certificate_facts(volunteer=volunteer, date_from=date_from, date_to=date_to)
    if not records:
        raise ValidationError({"to": _("There are no verified service hours in this period.")})
    digest = sha256_of(records)
    existing = Certificate.objects.filter(
        volunteer=volunteer, period_from=date_from, period_to=date_to, records_digest=digest
    ).first()
    if existing is not None:
        existing.just_issued = False
        return existing
    issued_at = timezone.now()
    code = new_code()
    content = {
        **facts,
        "code": code,
        "records": records,
        "issued_at": timezone.localtime(issued_at).isoformat(timespec="seconds"),
        "issued_by": {"id": actor.pk, "name": actor.display_name} if actor is not None else None,
    }
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                volunteer=volunteer,
                code=code,
                period_from=date_from,
                period_to=date_to,
                hours=Decimal(facts["hours"]),
                site=volunteer.site,
                issued_at=issued_at,
                issued_by=actor,
                content=content,
                content_hash=sha256_of(content),
                records_digest=digest,
            )
    except IntegrityError:
        # The same facts were issued a moment ago (the lock makes this rare): return that one.
        certificate = Certificate.objects.get(
            volunteer=volunteer, period_from=date_from, period_to=date_to, records_digest=digest
        )
        certificate.just_issued = False
        return certificate
    audit_record(
        actor=actor,
        action="certificate.issue",
        obj=certificate,
        site=volunteer.site,
        data={
            "code": code,
            "volunteer": volunteer.pk,
            "from": date_from,
            "to": date_to,
            "hours": facts["hours"],
            "content_hash": certificate.content_hash,
        },
    )
    certificate.just_issued = True
    return certificate


# ---- verifying --------------------------------------------------------------------------------


def statuses_of(certificates: Iterable[Certificate]) -> dict[int, str]:
    """{certificate id: VALID | SUPERSEDED | ALTERED}, with one query for all of them.

    ALTERED: the stored content does not hash to the stored hash (changed in the database
    behind the trigger's back). SUPERSEDED: a counted record is no longer verified with the
    date and hours it had (rejected, corrected, removed)."""
    certificates = list(certificates)
    wanted: set[int] = set()
    for certificate in certificates:
        wanted.update(int(row[0]) for row in certificate.content.get("records", []))
    current = (
        {
            pk: [pk, served_on.isoformat(), _hours_text(hours)]
            for pk, served_on, hours in ServiceRecord.objects.filter(
                pk__in=wanted, status=RecordStatus.VERIFIED
            ).values_list("pk", "served_on", "hours")
        }
        if wanted
        else {}
    )
    answer: dict[int, str] = {}
    for certificate in certificates:
        if sha256_of(certificate.content) != certificate.content_hash:
            answer[certificate.pk] = ALTERED
            continue
        records = certificate.content.get("records", [])
        same = all(current.get(int(row[0])) == [int(row[0]), row[1], row[2]] for row in records)
        answer[certificate.pk] = VALID if same else SUPERSEDED
    return answer


def status_of(certificate: Certificate) -> str:
    """VALID, SUPERSEDED or ALTERED (see `statuses_of`)."""
    return statuses_of([certificate])[certificate.pk]


def find_by_code(text: Any) -> Certificate | None:
    """The certificate whose code is in `text` (any case, dashes and spaces ignored), or None."""
    code = normalize_code(text)
    if code is None:
        return None
    return Certificate.objects.select_related("volunteer", "site").filter(code=code).first()


@dataclass
class PublicView:
    """What anyone may read about a certificate: its facts with the name masked."""

    code: str
    status: str
    name: str
    teams: list[str]
    site: str
    period_from: str
    period_to: str
    hours: str
    by_category: list[dict[str, str]]
    star_level: int
    issued_at: datetime.datetime
    content_hash: str

    @property
    def valid(self) -> bool:
        return self.status == VALID

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def formatted_code(self) -> str:
        return format_code(self.code)


def public_view(certificate: Certificate, status: str | None = None) -> PublicView:
    """The public facts of a certificate (the API's and the verification page's)."""
    content = certificate.content
    return PublicView(
        code=certificate.code,
        status=status or status_of(certificate),
        name=mask_name(content["volunteer"]["name"]),
        teams=list(content.get("teams", [])),
        site=content["site"]["name"],
        period_from=content["period"]["from"],
        period_to=content["period"]["to"],
        hours=content["hours"],
        by_category=[{"name": category_name(c), "hours": c["hours"]} for c in content.get("by_category", [])],
        star_level=int(content.get("star_level", 0)),
        issued_at=timezone.localtime(datetime.datetime.fromisoformat(content["issued_at"])),
        content_hash=certificate.content_hash,
    )


# ---- hours rows (certificates' evidence and the exports) -------------------------------------


def hours_rows(records: QuerySet[ServiceRecord]) -> list[dict[str, Any]]:
    """One dict per record for exports: date, volunteer, what it was (activity or order),
    source, category name, hours (Decimal), who verified, when. Two queries plus one per
    category source, whatever the number of rows."""
    listed = list(records.select_related("volunteer", "verified_by").order_by("served_on", "pk"))
    categories = categories_for([{"source": r.source, "source_id": r.source_id} for r in listed])
    return [
        {
            "date": record.served_on,
            "volunteer": record.volunteer.real_name,
            "what": record.description,
            "source": record.get_source_display(),
            "category": category_name(category),
            "hours": record.hours,
            "verified_by": record.verified_by.display_name if record.verified_by is not None else "",
            "verified_at": record.verified_at,
        }
        for record, category in zip(listed, categories, strict=True)
    ]


def seed_demo_certificate(town) -> Certificate | None:
    """seed_demo: one certificate for demo-volunteer over this year so far, issued by the demo
    staff; nothing when one exists already or there are no verified hours (idempotent)."""
    volunteer = Volunteer.objects.filter(user=town.users["demo-volunteer"]).first()
    if volunteer is None or volunteer.certificates.exists():
        return None
    today = timezone.localdate()
    try:
        return certificate_issue(
            volunteer=volunteer, date_from=today.replace(month=1, day=1), date_to=today, actor=town.users["demo-staff"]
        )
    except ValidationError:
        return None
