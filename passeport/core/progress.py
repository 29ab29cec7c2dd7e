"""Progress of long work, readable by other processes while the work runs.

Deposits are processed in one database transaction, so progress cannot live in the rows
being written. It goes to the ``progress`` cache instead: on PostgreSQL a table reached
through a second connection (see ``ProgressRouter``), on the embedded SQLite demo a folder.
"""

from django.core.cache import caches

TTL = 7 * 24 * 3600


def report(key: str, **values) -> None:
    caches["progress"].set(f"progress:{key}", values, TTL)


def read(key: str) -> dict | None:
    return caches["progress"].get(f"progress:{key}")


def clear(key: str) -> None:
    caches["progress"].delete(f"progress:{key}")


class ProgressRouter:
    """Sends the cache table to the ``progress`` connection, everything else to default."""

    def _is_cache(self, model) -> bool:
        return model._meta.app_label == "django_cache"

    def db_for_read(self, model, **hints):
        return "progress" if self._is_cache(model) else None

    def db_for_write(self, model, **hints):
        return "progress" if self._is_cache(model) else None

    def allow_migrate(self, db, app_label, **hints):
        if app_label == "django_cache":
            return db == "progress"
        return db == "default"
