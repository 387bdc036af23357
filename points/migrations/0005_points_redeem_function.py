"""PostgreSQL: `points_redeem(...)`, a whole redemption in one statement (no-op on other databases).

Called by `points.services.redemption_create` on PostgreSQL instead of the ~7 ORM statements.
It does exactly what `_redemption_create_once` does after the permission checks, in the same
order: lock the household's account (FOR UPDATE), read the product, refuse (a status the Python
side maps to the same exceptions: 'missing', 'unavailable', 'out_of_stock', 'insufficient'),
insert the redemption, append the ledger entry (sequence, prev_hash, balance_after, and the
hash = sha256 of the same bytes as `Entry.canonical()`), move the account head, and LAST take
the stock by the guarded UPDATE (if that fails, SQLSTATE PR001 out of stock / PR002 unavailable
is raised and the statement's writes are undone). A refusal writes nothing; a pickup-code
collision is a unique violation, as with the ORM, so the caller's retry still works. The
append-only trigger is not touched.

The note is formatted here from the translated template the caller passes (the product's
current name, the quantity and the points), then made one line like `services._one_line`:
runs of Python's whitespace (`str.split()`) become one space, at most 200 characters.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION points_redeem(
    p_household_id bigint,
    p_product_id bigint,
    p_quantity integer,
    p_pickup_code varchar,
    p_actor_id bigint,
    p_note_template text,
    p_at timestamptz,
    OUT r_status text,
    OUT r_redemption_id bigint,
    OUT r_entry_id bigint,
    OUT r_points bigint,
    OUT r_product_name varchar,
    OUT r_product_price integer,
    OUT r_product_stock integer,
    OUT r_product_active boolean
) AS $$
DECLARE
    v_account_id bigint;
    v_balance integer;
    v_last_sequence integer;
    v_last_hash varchar;
    v_note text;
    v_canonical text;
    v_hash varchar;
    v_taken integer;
BEGIN
    -- 1. the account row, locked (as services._lock_account). No account yet: its balance is 0,
    --    so every redemption is refused below, and the ORM path's creation would be rolled back.
    SELECT a.id, a.balance, a.last_sequence, a.last_hash
      INTO v_account_id, v_balance, v_last_sequence, v_last_hash
      FROM points_account a WHERE a.household_id = p_household_id FOR UPDATE;

    -- 2. the product, not locked (its row is locked by the guarded UPDATE only).
    SELECT p.name, p.price, p.stock, p.is_active
      INTO r_product_name, r_product_price, r_product_stock, r_product_active
      FROM points_product p WHERE p.id = p_product_id;
    IF NOT FOUND THEN
        r_status := 'missing';
        RETURN;
    END IF;
    IF NOT r_product_active THEN
        r_status := 'unavailable';
        RETURN;
    END IF;
    IF r_product_stock < p_quantity THEN
        r_status := 'out_of_stock';
        RETURN;
    END IF;
    r_points := r_product_price::bigint * p_quantity;
    IF v_account_id IS NULL OR v_balance < r_points THEN
        r_status := 'insufficient';
        RETURN;
    END IF;

    -- 3. the redemption (a taken pickup code raises unique_violation: the caller draws again).
    INSERT INTO points_redemption (household_id, product_id, quantity, points, status, pickup_code,
                                   created_by_id, created_at, cancel_reason)
    VALUES (p_household_id, p_product_id, p_quantity, r_points, 'reserved', p_pickup_code,
            p_actor_id, p_at, '')
    RETURNING id INTO r_redemption_id;

    -- 4. the note: the template formatted, then services._one_line.
    v_note := replace(replace(replace(p_note_template,
                '%(quantity)s', p_quantity::text),
                '%(points)s', r_points::text),
                '%(product)s', r_product_name);
    v_note := btrim(regexp_replace(
        v_note,
        '[\t\n\u000b\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+',
        ' ', 'g'), ' ');
    IF char_length(v_note) > 200 THEN
        v_note := left(v_note, 199) || '…';
    END IF;

    -- 5. the entry: Entry.canonical() is json.dumps(sort_keys=True, separators=(",", ":"),
    --    ensure_ascii=False); keys in sorted order, strings through to_json (the same escapes).
    v_canonical := '{"account":' || v_account_id
        || ',"actor":' || coalesce(p_actor_id::text, 'null')
        || ',"amount":' || (-r_points)
        || ',"at":' || to_json(to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
        || ',"attachment":""'
        || ',"balance_after":' || (v_balance - r_points)
        || ',"corrects":null'
        || ',"evidence":""'
        || ',"kind":"redeem"'
        || ',"note":' || to_json(v_note)::text
        || ',"prev_hash":' || to_json(v_last_hash)::text
        || ',"rule":null'
        || ',"rule_version":null'
        || ',"sequence":' || (v_last_sequence + 1)
        || ',"source_id":' || r_redemption_id
        || ',"source_type":"redemption"}';
    v_hash := encode(sha256(convert_to(v_canonical, 'UTF8')), 'hex');
    INSERT INTO points_entry (account_id, sequence, amount, kind, rule_id, rule_version_id, source_type,
                              source_id, evidence, attachment, corrects_id, actor_id, created_at, note,
                              balance_after, prev_hash, hash)
    VALUES (v_account_id, v_last_sequence + 1, -r_points, 'redeem', NULL, NULL, 'redemption',
            r_redemption_id, '', '', NULL, p_actor_id, p_at, v_note,
            v_balance - r_points, v_last_hash, v_hash)
    RETURNING id INTO r_entry_id;

    -- 6. the account head.
    UPDATE points_account
       SET balance = v_balance - r_points, last_sequence = v_last_sequence + 1, last_hash = v_hash,
           updated_at = clock_timestamp()
     WHERE id = v_account_id;

    -- 7. the stock, by the guarded UPDATE (the same guard as the ORM path) as the LAST write:
    --    the product row, shared by everyone redeeming it, stays locked only for the commit.
    --    Sold out, withdrawn or repriced meanwhile: raise, so that everything above is undone
    --    (PR001: out of stock, PR002: unavailable; the caller maps them to the exceptions).
    UPDATE points_product p SET stock = p.stock - p_quantity
     WHERE p.id = p_product_id AND p.is_active AND p.price = r_product_price AND p.stock >= p_quantity
    RETURNING p.stock INTO v_taken;
    IF NOT FOUND THEN
        IF EXISTS (SELECT 1 FROM points_product p
                    WHERE p.id = p_product_id AND p.is_active AND p.price = r_product_price) THEN
            RAISE EXCEPTION 'points_redeem: sold out meanwhile' USING ERRCODE = 'PR001';
        END IF;
        RAISE EXCEPTION 'points_redeem: withdrawn or repriced meanwhile' USING ERRCODE = 'PR002';
    END IF;
    r_product_stock := v_taken;
    r_status := 'ok';
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS points_redeem(bigint, bigint, integer, varchar, bigint, text, timestamptz);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("points", "0004_honours")]

    operations = [migrations.RunPython(forward, backward)]
