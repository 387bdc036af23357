"""The one export helper: values, never formulas; CSV in utf-8-sig; XLSX a sheet per table."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from practice_center.exports import Sheet, csv_bytes, export_response, is_formula_like, xlsx_bytes

DANGEROUS = [
    "=1+1",
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1+1",
    "＋1",
    "－1",
    "＠A1",
    '=HYPERLINK("http://x","y")',
]


@pytest.mark.parametrize("text", DANGEROUS, ids=lambda t: repr(t))
def test_every_formula_starter_is_recognised_in_half_and_full_width(text):
    assert is_formula_like(text)


def test_csv_neutralises_formula_text_and_keeps_numbers_and_chinese():
    data = csv_bytes([Sheet("t", ["名称", "积分"], [[text, 5] for text in DANGEROUS] + [["张三", -3]])])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["名称", "积分"]
    for row, text in zip(rows[1:], DANGEROUS, strict=False):
        assert row == ["'" + text, "5"]
    assert rows[-1] == ["张三", "-3"]


def test_xlsx_writes_text_as_text_never_as_a_formula():
    data = xlsx_bytes([Sheet("名单", ["名称", "积分"], [["=1+1", 5], ["＝2", Decimal("1.5")]])])
    sheet = openpyxl.load_workbook(io.BytesIO(data))["名单"]
    assert [(c.value, c.data_type) for c in sheet["A"]] == [("名称", "s"), ("=1+1", "s"), ("＝2", "s")]
    assert sheet["B2"].value == 5 and sheet["B3"].value == 1.5


def test_xlsx_has_a_sheet_per_table_with_safe_unique_names():
    data = xlsx_bytes([Sheet("a/b", ["x"], []), Sheet("a/b", ["x"], []), Sheet("x" * 40, ["x"], [])])
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["a_b", "a_b (2)", "x" * 31]


def test_times_are_written_in_shanghai_time():
    at = datetime.datetime(2026, 3, 31, 16, 30, tzinfo=datetime.UTC)  # 00:30 on 1 April in Shanghai
    with timezone.override("Asia/Shanghai"):
        rows = list(csv.reader(io.StringIO(csv_bytes([Sheet("t", ["at"], [[at]])]).decode("utf-8-sig"))))
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([Sheet("t", ["at"], [[at]])]))).active
    assert rows[1] == ["2026-04-01 00:30"]
    assert sheet["A2"].value == datetime.datetime(2026, 4, 1, 0, 30)


def test_several_tables_in_one_csv_come_one_after_another_under_their_titles():
    text = csv_bytes([Sheet("一", ["a"], [[1]]), Sheet("二", ["b"], [[2]])]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [["一"], ["a"], ["1"], [], ["二"], ["b"], ["2"]]


def test_the_response_is_an_attachment_with_a_chinese_file_name():
    response = export_response("csv", filename="荣誉名单", sheets=[Sheet("t", ["a"], [])])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert "%E8%8D%A3" in response["Content-Disposition"]  # 荣, RFC 5987-encoded
    with pytest.raises(ValueError):
        export_response("pdf", filename="x", sheets=[])
