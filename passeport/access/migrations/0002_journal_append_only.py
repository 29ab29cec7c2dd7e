"""On PostgreSQL, the database itself refuses to update or delete a journal entry.

The model and its queryset already refuse through the ORM; this guards against raw SQL
from the application's own role. Someone with the rights to disable triggers can still
tamper, which is what the hash chain (``journal.verify``) is there to reveal. TRUNCATE is
left alone: test databases are flushed with it.
"""

from django.db import migrations

TABLE = "access_journalentry"
FUNCTION = "access_journal_append_only"
TRIGGER = "access_journal_append_only"

CREATE = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Le journal des accès est en ajout seul : % refusé sur %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER {TRIGGER}
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
