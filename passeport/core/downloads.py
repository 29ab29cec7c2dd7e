"""An XML file offered for download, by the portal, the API and the admin alike."""

import re
import unicodedata
from typing import BinaryIO
from urllib.parse import quote

from django.http import FileResponse, HttpResponse


def xml_download(body: bytes | BinaryIO, name: str) -> HttpResponse:
    """Bytes as they are; an open file streamed (a large report stays out of memory)."""
    if isinstance(body, bytes):
        response = HttpResponse(body, content_type="application/xml")
    else:
        response = FileResponse(body, content_type="application/xml")
    response["Content-Disposition"] = content_disposition(name)
    return response


def content_disposition(name: str) -> str:
    """RFC 6266: an ASCII fallback (accents dropped, not the letters) plus the exact UTF-8 name."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = decomposed.encode("ascii", "ignore").decode()
    ascii_name = re.sub(r'[\x00-\x1f\x7f"\\]', "_", ascii_name).strip()
    if not ascii_name.rsplit(".", 1)[0].strip(" ._"):  # nothing left but an extension
        ascii_name = "accuse.xml"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
