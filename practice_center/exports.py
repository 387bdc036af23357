"""The one export helper: every CSV (utf-8-sig) and XLSX the portal writes goes through here.

Cells are written as values, never formulas. Text that a spreadsheet would run as a formula
(beginning with `=`, `+`, `-`, `@`, a tab or a carriage return, in half or full width) is
neutralised: in CSV it is prefixed with an apostrophe (OWASP "CSV injection"), in XLSX it is
stored as a text cell, which Excel and LibreOffice show and never evaluate.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import content_disposition_header

# Half-width and full-width (U+FF1D ＝, U+FF0B ＋, U+FF0D －, U+FF20 ＠) formula starters.
FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")


@dataclass
class Sheet:
    """One table: a title (the XLSX sheet name, a heading line in CSV), a header row, rows."""

    title: str
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]]


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would treat `text` as a formula (or a DDE command)."""
    return text.startswith(FORMULA_STARTERS)


def cell_value(value: Any) -> Any:
    """A cell's value for XLSX: numbers, dates and booleans as themselves, text as text,
    aware datetimes in the local time zone (Asia/Shanghai) without tzinfo, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | decimal.Decimal):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    return force_str(value)


def csv_cell(value: Any) -> str:
    """A cell's text for CSV, with formula-like text prefixed by an apostrophe."""
    value = cell_value(value)
    if isinstance(value, datetime.datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    else:
        text = str(value)
    if isinstance(value, str) and is_formula_like(text):
        return "'" + text
    return text


def csv_bytes(sheets: Sequence[Sheet]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads Chinese); several sheets one after another,
    each under its title line and separated by an empty line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, sheet in enumerate(sheets):
        if len(sheets) > 1:
            if index:
                writer.writerow([])
            writer.writerow([csv_cell(sheet.title)])
        writer.writerow([csv_cell(v) for v in sheet.header])
        for row in sheet.rows:
            writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_title(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ , unique in the workbook.
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in force_str(title))[:31] or "Sheet"
    name, n = clean, 2
    while name in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX workbook with a sheet per table; text cells are typed as text, never formulas."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for sheet in sheets:
        worksheet = workbook.create_sheet(_sheet_title(sheet.title, used))
        for row in [sheet.header, *sheet.rows]:
            worksheet.append([_xlsx_cell(worksheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(worksheet, value: Any):
    from openpyxl.cell import WriteOnlyCell

    value = cell_value(value)
    cell = WriteOnlyCell(worksheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    return cell


def export_response(fmt: str, *, filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    """An attachment response in `fmt` ("xlsx" or "csv"; anything else raises ValueError).

    filename: without extension; non-ASCII names are sent RFC 5987-encoded by Django.
    """
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    elif fmt == "csv":
        response = HttpResponse(csv_bytes(sheets), content_type=CSV_TYPE)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.{fmt}")
    return response
