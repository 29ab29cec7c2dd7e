"""Exclusive locks that die with their holder.

On PostgreSQL a session advisory lock: released by the server when the connection ends,
including when the worker is killed. On SQLite (one machine) an ``flock`` on a file, released
by the kernel when the process dies.
"""

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Yield True when the lock ``name`` was taken, False if someone else holds it."""
    if connection.vendor == "postgresql":
        key = _key(name)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
            taken = cur.fetchone()[0]
        try:
            yield taken
        finally:
            if taken:
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    lock_dir = Path(settings.PASSEPORT["LOCK_DIR"])
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / (hashlib.sha256(name.encode()).hexdigest() + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            taken = True
        except BlockingIOError:
            taken = False
        try:
            yield taken
        finally:
            if taken:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def serialize_in_transaction(name: str) -> None:
    """Wait for, then hold until commit, the lock ``name`` (PostgreSQL).

    SQLite already lets one writer at a time through, so nothing is needed there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_key(name)])
