"""PostgreSQL itself refuses UPDATE and DELETE on ledger entries (no-op on other databases).

TRUNCATE stays allowed: it is how test databases and `flush` empty the tables. Tests that
simulate tampering disable the trigger explicitly (ALTER TABLE ... DISABLE TRIGGER).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION points_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'points_entry is append-only: % refused (post a compensating entry instead)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER points_entry_no_update_delete
    BEFORE UPDATE OR DELETE ON points_entry
    FOR EACH ROW EXECUTE FUNCTION points_entry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS points_entry_no_update_delete ON points_entry;
DROP FUNCTION IF EXISTS points_entry_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
