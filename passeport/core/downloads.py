"""Files offered for download (accusés, attestations, sealed documents, exports), with one
Content-Disposition and, for someone's own data, no caching on the way."""

import re
import unicodedata
from typing import BinaryIO
from urllib.parse import quote

from django.http import FileResponse, HttpResponse


def download(
    body: bytes | BinaryIO,
    name: str,
    content_type: str,
    private: bool = False,
    fallback: str | None = None,
):
    """Bytes as they are; an open file streamed (a large file stays out of memory).
    ``private``: someone's own data, never kept by a cache on the way. ``fallback``: the
    ASCII name when ``name`` has none (default ``document`` plus its extension)."""
    if isinstance(body, bytes):
        response = HttpResponse(body, content_type=content_type)
    else:
        response = FileResponse(body, content_type=content_type)
    if fallback is None:
        fallback = "document" + ("." + name.rsplit(".", 1)[1] if "." in name else "")
    response["Content-Disposition"] = content_disposition(name, fallback)
    if private:
        response["Cache-Control"] = "private, no-store"
    return response


def xml_download(body: bytes | BinaryIO, name: str) -> HttpResponse:
    return download(body, name, "application/xml", fallback="accuse.xml")


def content_disposition(name: str, fallback: str = "accuse.xml") -> str:
    """RFC 6266: an ASCII fallback (accents dropped, not the letters) plus the exact UTF-8 name."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = decomposed.encode("ascii", "ignore").decode()
    ascii_name = re.sub(r'[\x00-\x1f\x7f"\\]', "_", ascii_name).strip()
    if not ascii_name.rsplit(".", 1)[0].strip(" ._"):  # nothing left but an extension
        ascii_name = fallback
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
