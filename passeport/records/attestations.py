"""Checking an uploaded attestation before it is stored (no HTTP here).

Accepted: PDF, JPEG, PNG, at most 10 MB, the type read from the content (never from the
name or the browser), the extension agreeing with it. Refused with a French message:
anything else, a PDF with active content (JavaScript, launch actions, embedded files) or
carrying another format (HTML, ZIP: polyglots), an image Pillow cannot decode or whose
pixel count betrays a decompression bomb. Images are decoded and written again: what
follows the picture (a polyglot's payload) and metadata (the GPS position of a photo) do
not survive.
"""

import io
import re
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

MAX_PIXELS = 40_000_000  # a 10 MB photo is far below; a bomb is far above
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b")
FOREIGN = re.compile(rb"<\s*(html|script|svg|body|iframe)\b|PK\x03\x04|PK\x05\x06", re.IGNORECASE)

KINDS = {
    "application/pdf": ("PDF", (".pdf",)),
    "image/jpeg": ("JPEG", (".jpg", ".jpeg")),
    "image/png": ("PNG", (".png",)),
}


class UploadRejected(ValueError):
    """The file is refused; the message says why, in French."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes  # what will be stored (images written again)
    content_type: str
    extension: str


def max_bytes() -> int:
    return settings.PASSEPORT["ATTESTATION_MAX_BYTES"]


def check(stream: BinaryIO, file_name: str) -> CheckedFile:
    limit = max_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(
            _("Le fichier dépasse la taille maximale autorisée (%(size)s Mo).")
            % {"size": limit // (1024 * 1024)}
        )
    if not data:
        raise UploadRejected(_("Le fichier est vide."))
    content_type = _sniff(data)
    if content_type is None:
        raise UploadRejected(
            _("Ce type de fichier n'est pas accepté : seuls les PDF, JPEG et PNG le sont.")
        )
    label, extensions = KINDS[content_type]
    extension = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in extensions:
        raise UploadRejected(
            _("L'extension du fichier (%(extension)s) ne correspond pas à son contenu (%(kind)s).")
            % {"extension": extension or _("aucune"), "kind": label}
        )
    if content_type == "application/pdf":
        _check_pdf(data)
        return CheckedFile(data, content_type, ".pdf")
    return CheckedFile(_rewrite_image(data, content_type), content_type, extensions[0])


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise UploadRejected(_("Le PDF est incomplet ou endommagé."))
    if PDF_ACTIVE.search(data):
        raise UploadRejected(
            _(
                "Le PDF contient du contenu actif (JavaScript, action, fichier joint) : il n'est "
                "pas accepté. Enregistrez-le de nouveau en PDF simple (« Imprimer en PDF »)."
            )
        )
    if FOREIGN.search(data):
        raise UploadRejected(
            _(
                "Le fichier mêle un PDF et un autre format (page web, archive) : il n'est "
                "pas accepté."
            )
        )


def _rewrite_image(data: bytes, content_type: str) -> bytes:
    fmt = "JPEG" if content_type == "image/jpeg" else "PNG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image.load()
                out = io.BytesIO()
                if fmt == "JPEG":
                    image.convert("RGB").save(out, "JPEG", quality=90)
                else:
                    image.save(out, "PNG", optimize=False)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(
            _("L'image est démesurée (trop de pixels) : elle n'est pas acceptée.")
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UploadRejected(_("L'image est illisible ou endommagée.")) from exc
    return out.getvalue()
