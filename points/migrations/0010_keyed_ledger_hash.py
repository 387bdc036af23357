"""PostgreSQL: the ledger's hash becomes HMAC-SHA256 under a key the database never holds.

`points_hmac_sha256(key, message)` is RFC 2104 HMAC over PostgreSQL's built-in sha256() (no
pgcrypto needed). `points_redeem` (migration 0005) takes the key as its last argument, passed
by the caller on every call from settings.LEDGER_HMAC_KEY, and computes the entry's hash with
it: the same value as `Entry.compute_hash()` in Python. The old signature is dropped.
"""

import importlib

from django.db import migrations

_0005 = importlib.import_module("points.migrations.0005_points_redeem_function")

HMAC = r"""
CREATE OR REPLACE FUNCTION points_hmac_sha256(p_key bytea, p_message bytea) RETURNS text AS $$
DECLARE
    k bytea := p_key;
    ipad bytea;
    opad bytea;
BEGIN
    IF length(k) > 64 THEN
        k := sha256(k);
    END IF;
    k := k || decode(repeat('00', 64 - length(k)), 'hex');
    ipad := k;
    opad := k;
    FOR i IN 0..63 LOOP
        ipad := set_byte(ipad, i, get_byte(k, i) # 54);   -- 0x36
        opad := set_byte(opad, i, get_byte(k, i) # 92);   -- 0x5c
    END LOOP;
    RETURN encode(sha256(opad || sha256(ipad || p_message)), 'hex');
END;
$$ LANGUAGE plpgsql IMMUTABLE STRICT;
"""

OLD_SIGNATURE = "points_redeem(bigint, bigint, integer, varchar, bigint, text, timestamptz)"

KEYED = (
    _0005.FORWARD.replace("    p_at timestamptz,\n", "    p_at timestamptz,\n    p_key bytea,\n", 1).replace(
        "v_hash := encode(sha256(convert_to(v_canonical, 'UTF8')), 'hex');",
        "v_hash := points_hmac_sha256(p_key, convert_to(v_canonical, 'UTF8'));",
        1,
    )
)
assert "p_key bytea" in KEYED and "points_hmac_sha256(p_key" in KEYED


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(HMAC)
        cursor.execute(f"DROP FUNCTION IF EXISTS {OLD_SIGNATURE}")
        cursor.execute(KEYED)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP FUNCTION IF EXISTS points_redeem(bigint, bigint, integer, varchar, bigint, text, timestamptz, bytea)")
        cursor.execute("DROP FUNCTION IF EXISTS points_hmac_sha256(bytea, bytea)")
        cursor.execute(_0005.FORWARD)


class Migration(migrations.Migration):
    dependencies = [("points", "0009_caps_on_repeatable_rules")]
    operations = [migrations.RunPython(forward, backward)]
