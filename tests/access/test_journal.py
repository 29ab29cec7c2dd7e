"""The access journal: append-only, hash-chained, and checked."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from passeport.access import journal
from passeport.access.models import ChainHead, JournalEntry
from tests.factories import HolderFactory

pytestmark = pytest.mark.django_db

TABLE = JournalEntry._meta.db_table
TRIGGER = "access_journal_append_only"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


def entries(n: int, holder=None) -> list[JournalEntry]:
    return [
        journal.record(
            actor=f"agent-{i}",
            actor_kind="exploitant",
            action="export-passeport",
            purpose=f"motif {i}",
            holder=holder,
            details={"certifications": i, "é": "ü"},
        )
        for i in range(n)
    ]


def raw(sql: str, params=()) -> None:
    """SQL as an attacker with the database's credentials would send it."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def as_dba(sql: str, params=()) -> None:
    """…and one who may also disable the trigger (the test transaction undoes it)."""
    if connection.vendor != "postgresql":
        raw(sql, params)
        return
    # ALTER TABLE waits for no deferred foreign-key check of this transaction: run them now
    raw("SET CONSTRAINTS ALL IMMEDIATE")
    raw(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    raw(sql, params)
    raw(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")
    raw("SET CONSTRAINTS ALL DEFERRED")


class TestChain:
    def test_empty_journal_verifies(self):
        assert journal.verify() == journal.ChainCheck(True, 0)

    def test_entries_are_chained(self):
        holder = HolderFactory()
        first, second, third = entries(3, holder)
        assert first.prev_hash == journal.GENESIS
        assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
        assert len({first.hash, second.hash, third.hash}) == 3
        assert ChainHead.objects.get().last_hash == third.hash
        assert journal.verify() == journal.ChainCheck(True, 3)

    def test_edited_entry_is_the_first_broken(self):
        e = entries(4)
        as_dba(f"UPDATE {TABLE} SET purpose = %s WHERE id = %s", ["autre motif", e[1].pk])
        assert journal.verify() == journal.ChainCheck(
            False, 2, e[1].pk, f"L'entrée {e[1].pk} a été modifiée après son écriture."
        )

    def test_edited_details_are_seen(self):
        e = entries(2)
        as_dba(f"UPDATE {TABLE} SET details = %s WHERE id = %s", ['{"certifications": 9}', e[0].pk])
        check = journal.verify()
        assert (check.ok, check.first_broken) == (False, e[0].pk)

    def test_edit_with_its_hash_recomputed_breaks_the_next_link(self):
        e = entries(3)
        forged = JournalEntry.objects.get(pk=e[1].pk)
        forged.purpose = "autre motif"
        new_hash = journal._digest(forged.prev_hash, journal._fields(forged))
        as_dba(
            f"UPDATE {TABLE} SET purpose = %s, hash = %s WHERE id = %s",
            ["autre motif", new_hash, e[1].pk],
        )
        assert journal.verify() == journal.ChainCheck(
            False,
            3,
            e[2].pk,
            f"L'entrée {e[2].pk} ne suit pas l'entrée précédente : "
            "une entrée a été supprimée ou modifiée.",
        )

    def test_removed_entry_breaks_the_next_link(self):
        e = entries(3)
        as_dba(f"DELETE FROM {TABLE} WHERE id = %s", [e[1].pk])
        check = journal.verify()
        assert (check.ok, check.entries, check.first_broken) == (False, 2, e[2].pk)

    def test_removed_last_entries_are_seen_through_the_chain_head(self):
        e = entries(3)
        as_dba(f"DELETE FROM {TABLE} WHERE id >= %s", [e[1].pk])
        assert journal.verify() == journal.ChainCheck(
            False,
            1,
            None,
            "La tête de chaîne ne correspond pas à la dernière entrée : "
            "des entrées finales ont été supprimées.",
        )

    def test_all_entries_removed(self):
        entries(2)
        as_dba(f"DELETE FROM {TABLE}")
        check = journal.verify()
        assert (check.ok, check.entries, check.first_broken) == (False, 0, None)


class TestAppendOnlyThroughTheOrm:
    def test_save_of_an_existing_entry(self):
        (entry,) = entries(1)
        entry.purpose = "autre"
        with pytest.raises(PermissionError, match="^Le journal des accès ne se modifie pas.$"):
            entry.save()

    def test_delete_of_an_entry(self):
        (entry,) = entries(1)
        with pytest.raises(PermissionError, match="^Le journal des accès ne se supprime pas.$"):
            entry.delete()

    def test_queryset_update(self):
        entries(2)
        with pytest.raises(PermissionError, match="^Le journal des accès ne se modifie pas.$"):
            JournalEntry.objects.filter(actor="agent-0").update(purpose="autre")
        with pytest.raises(PermissionError, match="^Le journal des accès ne se modifie pas.$"):
            JournalEntry.objects.all().bulk_update(list(JournalEntry.objects.all()), ["purpose"])

    def test_queryset_delete(self):
        entries(2)
        with pytest.raises(PermissionError, match="^Le journal des accès ne se supprime pas.$"):
            JournalEntry.objects.all().delete()

    def test_holder_with_journal_entries_cannot_be_deleted(self):
        holder = HolderFactory()
        entries(1, holder)
        with pytest.raises(ProtectedError):
            holder.delete()

    def test_nothing_changed(self):
        e = entries(2)
        for attempt in (
            lambda: JournalEntry.objects.update(purpose="x"),
            lambda: JournalEntry.objects.all().delete(),
        ):
            with pytest.raises(PermissionError):
                attempt()
        assert list(JournalEntry.objects.order_by("pk").values_list("purpose", flat=True)) == [
            "motif 0",
            "motif 1",
        ]
        assert journal.verify() == journal.ChainCheck(True, len(e))


@on_postgresql
class TestDatabaseGuard:
    @pytest.mark.parametrize(
        ("sql", "operation"),
        [
            (f"UPDATE {TABLE} SET purpose = 'autre'", "UPDATE"),
            (f"DELETE FROM {TABLE}", "DELETE"),
        ],
    )
    def test_raw_sql_is_refused(self, sql, operation):
        entries(2)
        with pytest.raises(DatabaseError) as caught, transaction.atomic():
            raw(sql)
        assert f"Le journal des accès est en ajout seul : {operation} refusé sur {TABLE}" in str(
            caught.value
        )
        assert JournalEntry.objects.filter(purpose__startswith="motif").count() == 2
        assert journal.verify().ok

    def test_appending_still_works(self):
        entries(3)
        assert journal.verify() == journal.ChainCheck(True, 3)
