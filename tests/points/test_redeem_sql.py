"""The one-statement redemption on PostgreSQL (`points_redeem`, migration 0005): the same rows,
the same hashes and the same refusals as the ORM path that SQLite keeps."""

from __future__ import annotations

import datetime
import importlib
import re
import zoneinfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from points.exceptions import InsufficientPoints, OutOfStock, ProductUnavailable
from points.management.commands.verify_points_ledger import CANONICAL_FIELDS
from points.models import HASHED_FIELDS, Account, Entry, EntryKind, Product, Redemption, RedemptionStatus
from points.selectors import balance_of, ledger_sum
from points.services import ledger, shop
from tests.points.ledger_helpers import give

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

AT = datetime.datetime(2026, 3, 8, 9, 30, 15, 123456, tzinfo=datetime.UTC)
# Quotes, backslashes, a newline and a tab (folded to spaces by the note's one-line rule),
# emoji (outside the BMP), Chinese, a DEL and a non-breaking space.
TRICKY_NAME = "\"特价\"\\香皂\n🧼 👨‍👩‍👧\t\\u0041 'x' \x7f «»\u00a0end"


def _redeem(town, product, quantity=1, **kwargs):
    return shop.redemption_create(user=town.resident_a, product=product, quantity=quantity, **kwargs)


def _entry_of(redemption) -> Entry:
    return Entry.objects.get(source_type="redemption", source_id=redemption.pk, kind=EntryKind.REDEEM)


def test_a_redemption_is_one_call_of_the_sql_function_and_no_orm_write(town, soap):
    give(town.household_a, town.staff_a, 20)
    with CaptureQueriesContext(connection) as queries:
        _redeem(town, soap)
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("points_redeem(" in sql for sql in statements) == 1
    assert not [sql for sql in statements if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_the_sql_entry_has_exactly_the_hash_python_computes_for_a_tricky_note(town):
    give(town.household_a, town.staff_a, 100)
    product = Product.objects.create(site=town.station_a, name=TRICKY_NAME, price=7, stock=5)

    redemption = _redeem(town, product, quantity=2, at=AT)

    entry = _entry_of(redemption)
    assert entry.hash == entry.compute_hash()
    assert "🧼" in entry.note and '"特价"\\香皂 🧼' in entry.note and "\n" not in entry.note
    assert entry.note == ledger.one_line(f"兑换 {TRICKY_NAME} × 2 = 14 分")


@pytest.mark.parametrize(
    "at",
    [
        pytest.param(datetime.datetime(2026, 1, 1, 0, 0, 0, 0, tzinfo=datetime.UTC), id="utc-no-microseconds"),
        pytest.param(
            datetime.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
            id="shanghai-last-microsecond-of-the-year",
        ),
        pytest.param(
            datetime.datetime(2026, 6, 1, 8, 0, 0, 1, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
            id="new-york-one-microsecond",
        ),
    ],
)
def test_the_time_in_the_hash_is_formatted_as_python_does_in_any_time_zone(town, soap, at):
    give(town.household_a, town.staff_a, 20)

    entry = _entry_of(_redeem(town, soap, at=at))

    assert entry.created_at == at
    assert entry.hash == entry.compute_hash()


def test_the_sql_path_writes_the_same_rows_as_the_orm_path(town, monkeypatch):
    give(town.household_a, town.staff_a, 50)
    give(town.household_b, town.staff_b, 50)
    product = Product.objects.create(site=town.institute, name="食用油  5L\n装", price=6, stock=10)
    by_sql = shop.redemption_create(user=town.resident_a, product=product, quantity=3, at=AT)
    monkeypatch.setattr(shop, "_redemption_create_pg", lambda **kwargs: None)  # the ORM path
    by_orm = shop.redemption_create(user=town.resident_b, product=product, quantity=3, at=AT)

    fields = ["product_id", "quantity", "points", "status", "created_at", "fulfilled_at", "cancel_reason"]
    rows = Redemption.objects.filter(pk__in=[by_sql.pk, by_orm.pk]).order_by("pk").values(*fields)
    assert rows[0] == rows[1]
    entry_fields = [
        "sequence",
        "amount",
        "kind",
        "rule_id",
        "rule_version_id",
        "source_type",
        "evidence",
        "attachment",
        "corrects_id",
        "created_at",
        "note",
        "balance_after",
    ]
    sql_entry, orm_entry = (_entry_of(r) for r in (by_sql, by_orm))
    assert (
        Entry.objects.filter(pk=sql_entry.pk).values(*entry_fields)[0]
        == (Entry.objects.filter(pk=orm_entry.pk).values(*entry_fields)[0])
    )
    assert (sql_entry.actor_id, orm_entry.actor_id) == (town.resident_a.pk, town.resident_b.pk)
    assert sql_entry.hash == sql_entry.compute_hash() and orm_entry.hash == orm_entry.compute_hash()
    product.refresh_from_db()
    assert product.stock == 4


def test_the_returned_redemption_is_the_saved_row_with_the_product_as_it_is_now(town, soap):
    give(town.household_a, town.staff_a, 20)
    Product.objects.filter(pk=soap.pk).update(name="新香皂")

    redemption = _redeem(town, soap, quantity=2, at=AT)

    saved = Redemption.objects.get(pk=redemption.pk)
    assert (redemption.pickup_code, redemption.points, redemption.status) == (
        saved.pickup_code,
        6,
        RedemptionStatus.RESERVED,
    )
    assert redemption.product.name == "新香皂" and redemption.product.stock == 98
    assert redemption.household == town.household_a and redemption.created_by == town.resident_a
    assert soap.stock == 100  # the caller's object is not changed, as on the ORM path


def test_the_chain_moves_on_and_the_verifier_finds_the_ledger_intact(town, soap, capsys):
    give(town.household_a, town.staff_a, 30)
    first = _entry_of(_redeem(town, soap))
    second = _entry_of(_redeem(town, soap, quantity=2))
    shop.redemption_cancel(redemption=Redemption.objects.order_by("pk").first(), actor=town.resident_a)

    assert (first.sequence, second.sequence) == (2, 3)
    assert second.prev_hash == first.hash
    account = Account.objects.get(household=town.household_a)
    assert (account.balance, account.last_sequence) == (30 - 9 + 3, 4)
    assert balance_of(town.household_a) == ledger_sum(town.household_a)
    call_command("verify_points_ledger")
    assert "intact" in capsys.readouterr().out


def _assert_nothing_written(town, product, stock):
    product.refresh_from_db()
    assert product.stock == stock
    assert not Redemption.objects.exists()
    assert not Entry.objects.filter(kind=EntryKind.REDEEM).exists()


def test_a_product_taken_off_offer_is_refused_as_unavailable(town, soap):
    give(town.household_a, town.staff_a, 20)
    Product.objects.filter(pk=soap.pk).update(is_active=False)
    with pytest.raises(ProductUnavailable):
        _redeem(town, soap)
    _assert_nothing_written(town, soap, 100)


def test_too_little_stock_is_refused_as_out_of_stock(town, oil):
    give(town.household_a, town.staff_a, 100)
    with pytest.raises(OutOfStock):
        _redeem(town, oil, quantity=3)
    _assert_nothing_written(town, oil, 2)


def test_too_few_points_are_refused_as_insufficient(town, soap):
    give(town.household_a, town.staff_a, 5)
    with pytest.raises(InsufficientPoints):
        _redeem(town, soap, quantity=2)
    _assert_nothing_written(town, soap, 100)
    assert balance_of(town.household_a) == 5


def test_a_household_without_an_account_is_refused_as_insufficient_and_gets_none(town, soap):
    with pytest.raises(InsufficientPoints):
        _redeem(town, soap)
    _assert_nothing_written(town, soap, 100)
    assert not Account.objects.filter(household=town.household_a).exists()


def test_inactive_is_told_before_stock_and_stock_before_points(town, oil):
    Product.objects.filter(pk=oil.pk).update(stock=0)
    with pytest.raises(OutOfStock):
        _redeem(town, oil)
    Product.objects.filter(pk=oil.pk).update(is_active=False)
    with pytest.raises(ProductUnavailable):
        _redeem(town, oil)


def _meanwhile(change_sql: str) -> None:
    """Make a "concurrent" change to the product between the function's checks and its guarded
    stock UPDATE: a trigger on the redemption insert (dropped with the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.meanwhile() RETURNS trigger AS $$ BEGIN "
            + change_sql
            + "; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER redeem_meanwhile BEFORE INSERT ON points_redemption "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.meanwhile()"
        )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        pytest.param("UPDATE points_product SET stock = 0 WHERE id = NEW.product_id", OutOfStock, id="sold-out"),
        pytest.param(
            "UPDATE points_product SET is_active = false WHERE id = NEW.product_id", ProductUnavailable, id="withdrawn"
        ),
        pytest.param(
            "UPDATE points_product SET price = price + 1 WHERE id = NEW.product_id", ProductUnavailable, id="repriced"
        ),
    ],
)
def test_a_product_sold_out_or_withdrawn_meanwhile_undoes_the_whole_redemption(town, soap, change, error):
    give(town.household_a, town.staff_a, 20)
    _meanwhile(change)
    with pytest.raises(error):
        _redeem(town, soap)
    assert not Redemption.objects.exists()
    assert not Entry.objects.filter(kind=EntryKind.REDEEM).exists()
    account = Account.objects.get(household=town.household_a)
    assert (account.balance, account.last_sequence) == (20, 1)
    assert Product.objects.filter(pk=soap.pk).exists()  # the caller's transaction is still usable


def test_a_deleted_product_is_does_not_exist_as_on_the_orm_path(town):
    give(town.household_a, town.staff_a, 20)
    ghost = Product.objects.create(site=town.station_a, name="临时", price=1, stock=1)
    Product.objects.filter(pk=ghost.pk).delete()
    with pytest.raises(Product.DoesNotExist):
        _redeem(town, ghost)


def test_a_points_total_beyond_the_integer_range_is_insufficient_not_an_overflow(town):
    give(town.household_a, town.staff_a, 20)
    costly = Product.objects.create(site=town.station_a, name="金条", price=2_000_000_000, stock=50)
    with pytest.raises(InsufficientPoints):
        _redeem(town, costly, quantity=20)


def test_a_taken_pickup_code_is_drawn_again_on_the_sql_path(town, soap, monkeypatch):
    give(town.household_a, town.staff_a, 20)
    first = _redeem(town, soap)
    codes = iter([first.pickup_code, "WWWWWW"])
    monkeypatch.setattr(shop, "_new_pickup_code", lambda: next(codes))

    second = _redeem(town, soap)

    assert second.pickup_code == "WWWWWW"
    assert Entry.objects.filter(kind=EntryKind.REDEEM).count() == 2
    assert balance_of(town.household_a) == 14 == ledger_sum(town.household_a)


def _call_function(town, product, template: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r_status, r_entry_id FROM points_redeem(%s, %s, 1, 'QQQQQQ', %s, %s, %s, %s)",
            [town.household_a.pk, product.pk, town.resident_a.pk, template, AT, settings.LEDGER_HMAC_KEY],
        )
        status, entry_id = cursor.fetchone()
    assert status == "ok"
    return Entry.objects.get(pk=entry_id)


def test_a_long_note_is_cut_at_200_characters_like_python_does(town, soap):
    give(town.household_a, town.staff_a, 20)
    template = "很长的说明 " * 40 + "%(product)s"
    entry = _call_function(town, soap, template)
    assert entry.note == ledger.one_line(template % {"product": soap.name})
    assert len(entry.note) == 200 and entry.note.endswith("…")
    assert entry.hash == entry.compute_hash()


def test_every_kind_of_python_whitespace_is_folded_and_control_characters_hash_alike(town, soap):
    give(town.household_a, town.staff_a, 20)
    spaces = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    controls = "".join(chr(c) for c in range(1, 0x20) if not chr(c).isspace()) + "\x7f\u200b\ufeff"
    template = f'  a{spaces}b {controls} "q" \\ 🙂 %(product)s × %(quantity)s = %(points)s{spaces}'
    entry = _call_function(town, soap, template)
    expected = ledger.one_line(template % {"product": soap.name, "quantity": 1, "points": 3})
    assert entry.note == expected
    assert entry.hash == entry.compute_hash()


def test_the_migrations_create_the_keyed_function_and_their_reverses_drop_it():
    keyed = importlib.import_module("points.migrations.0010_keyed_ledger_hash")
    plain = importlib.import_module("points.migrations.0005_points_redeem_function")

    def arguments() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pronargs FROM pg_proc WHERE proname = 'points_redeem' ORDER BY pronargs")
            return [row[0] for row in cursor.fetchall()]

    assert arguments() == [8]  # the 7 arguments of 0005 and the key
    with connection.schema_editor() as editor:
        keyed.backward(None, editor)
    assert arguments() == [7]
    with connection.schema_editor() as editor:
        plain.backward(None, editor)
    assert arguments() == []
    with connection.schema_editor() as editor:
        plain.forward(None, editor)
        keyed.forward(None, editor)
    assert arguments() == [8]


def test_the_sql_function_hashes_exactly_the_fields_the_model_lists():
    forward = importlib.import_module("points.migrations.0005_points_redeem_function").FORWARD
    canonical = forward[forward.index("v_canonical :=") :]
    canonical = canonical[: canonical.index(";")]
    assert re.findall(r'"(\w+)":', canonical) == sorted(key for key, _attribute in HASHED_FIELDS)


def test_the_ledger_check_loads_every_hashed_field_in_one_query(town, soap, django_assert_num_queries):
    give(town.household_a, town.staff_a, 20)
    _redeem(town, soap)
    with django_assert_num_queries(1):
        entries = list(Entry.objects.order_by("pk").only(*CANONICAL_FIELDS))
        assert all(entry.compute_hash() == entry.hash for entry in entries)
