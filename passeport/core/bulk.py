"""Inserting many rows fast: PostgreSQL's ``COPY``, fed from a thread that also runs the
batch's look-ups.

Used where rows come by the hundred thousand (deposits, the identity register import).
"""

import functools
import json
import threading
from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from psycopg import ClientCursor


class Fetched:
    """The rows (tuples) of a query sent with ``Copier.fetch``, there after ``wait()``."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []


class Copier:
    """Sends a batch's work to the database from a thread: rows to insert, and queries.

    Rows are inserted without reading keys back. On PostgreSQL through ``COPY``, its text
    lines written here: rows go to the server with no model instance, no per-field
    preparation and no per-value adapter. ``start`` sends what was queued (inserts and
    ``fetch`` queries, in order) in a thread, on the transaction's own connection, so that
    the caller prepares its next batch meanwhile: the server inserts and looks up on one
    core as we parse on the other. The caller waits (``wait``) before it uses the
    connection again, and finds then the rows of its queries. Elsewhere (the SQLite demo),
    everything runs at once.
    """

    def __init__(self) -> None:
        self._jobs: list[tuple[str, str | list | tuple, Fetched | None]] = []
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def takes_lines(self) -> bool:
        """Whether ``insert_lines`` may be used: rows already written as COPY text."""
        return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"

    def insert(self, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if not self.takes_lines:
            objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
            model.objects.bulk_create(objs)
            return
        self.insert_lines(model, columns, ["\t".join(map(copy_value, row)) for row in rows])

    def insert_lines(self, model, columns: tuple[str, ...], lines: list[str]) -> None:
        if not lines:
            return
        db = connections[DEFAULT_DB_ALIAS]
        opts = model._meta
        quote = db.ops.quote_name
        names = ", ".join(quote(opts.get_field(c.removesuffix("_id")).column) for c in columns)
        data = "\n".join(lines) + "\n"
        self._jobs.append((f"COPY {quote(opts.db_table)} ({names}) FROM STDIN", data, None))

    def fetch(self, queryset: QuerySet) -> Fetched:
        """Queue a ``values_list`` query; its rows are there after ``wait()``."""
        fetched = Fetched()
        if not self.takes_lines:
            fetched.rows = list(queryset)
            return fetched
        try:
            sql, params = queryset.query.sql_with_params()
        except EmptyResultSet:
            return fetched
        self._jobs.append((sql, params, fetched))
        return fetched

    def start(self) -> None:
        if not self._jobs:
            return
        self.wait()
        db = connections[DEFAULT_DB_ALIAS]
        db.ensure_connection()
        raw, jobs, self._jobs = db.connection, self._jobs, []

        def work() -> None:
            try:
                with ClientCursor(raw) as cursor:  # what Django uses: same SQL, same binding
                    for sql, data, fetched in jobs:
                        if fetched is not None:
                            cursor.execute(sql, data)
                            fetched.rows = cursor.fetchall()
                            continue
                        with cursor.copy(sql) as copy:
                            copy.write(data)
            except BaseException as exc:  # handed to the caller by wait()
                self._error = exc

        self._thread = threading.Thread(target=work, name="passeport-db", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            with connections[DEFAULT_DB_ALIAS].wrap_database_errors:
                raise error


def copy_value(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return copy_escape(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is dict:
        return copy_escape(json.dumps(value, ensure_ascii=False))
    if kind is datetime:
        return _datetime_text(value)
    if kind is bytes:
        return "\\\\x" + value.hex()  # bytea, hex format, its backslash escaped
    return value.isoformat()  # date


@functools.lru_cache(maxsize=8)
def _datetime_text(value: datetime) -> str:
    return value.isoformat()  # one per deposit (received_at), costly to format each row


def copy_escape(text: str) -> str:
    """Text in COPY's text format."""
    # Looking is much cheaper than rewriting, and values rarely hold any of these.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t")
        text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text
