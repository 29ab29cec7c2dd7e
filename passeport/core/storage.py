"""Immutable, content-addressed storage of raw inbound files and of our reports.

Names are ``<kind>/<aa>/<bb>/<sha256>``: storing the same bytes twice is a no-op, and a
stored file is never overwritten. The storage backend is Django's ``raw`` storage, a local
folder here, an S3-compatible bucket at national scale.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import storages

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int


class TooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def raw_storage():
    return storages["raw"]


def name_for(kind: str, sha256: str) -> str:
    return f"{kind}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class _Spool(File):
    """A finished temporary file: Django's file-system storage moves it into place
    (``file_move_safe``) instead of copying it again."""

    def temporary_file_path(self) -> str:
        return self.file.name


def _spool_dir(storage) -> str | None:
    """Spool beside the stored files (same file system: a rename), when they are local."""
    location = getattr(storage, "location", None)
    if location is None:
        return None
    path = os.path.join(location, ".arrivee")
    os.makedirs(path, exist_ok=True)
    return path


def store_stream(stream: BinaryIO, kind: str, max_bytes: int | None = None) -> StoredFile:
    """Copy ``stream`` to storage while hashing it; refuse it past ``max_bytes``."""
    digest = hashlib.sha256()
    size = 0
    storage = raw_storage()
    with tempfile.NamedTemporaryFile(
        prefix="passeport-", dir=_spool_dir(storage), delete=False
    ) as tmp:
        try:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(max_bytes)
                digest.update(chunk)
                tmp.write(chunk)
            tmp.flush()
            sha = digest.hexdigest()
            name = name_for(kind, sha)
            if not storage.exists(name):
                with open(tmp.name, "rb") as fh:
                    saved = storage.save(name, _Spool(fh))
                if saved != name:  # a concurrent writer stored the same bytes first
                    storage.delete(saved)
            return StoredFile(name=name, sha256=sha, size=size)
        finally:
            tmp.close()
            if os.path.exists(tmp.name):
                os.unlink(tmp.name)


def store_bytes(data: bytes, kind: str) -> StoredFile:
    import io

    return store_stream(io.BytesIO(data), kind)


def open_stored(name: str) -> BinaryIO:
    return raw_storage().open(name, "rb")
