"""HTML to PDF for sealed documents, with WeasyPrint (no HTTP here).

Issuing is on the holder's click path, so what does not change between two documents is
prepared once per thread and reused: the font configuration with Marianne loaded and the
parsed stylesheets (parsing them and loading the fonts was a third of each render). Only
the document's own HTML is parsed each time. The QR code is a small PNG drawn without
smoothing: exact modules at any zoom, at a fraction of the cost of an SVG path.
"""

import base64
import io
import threading
from pathlib import Path

import dsfr
import qrcode
import weasyprint
from weasyprint.text.fonts import FontConfiguration

FONTS = Path(dsfr.__file__).parent / "static" / "dsfr" / "dist" / "fonts"
STYLES = Path(__file__).parent / "styles"

_local = threading.local()  # Pango's font map is not shared across threads


def _prepared(look: str) -> tuple[FontConfiguration, list[weasyprint.CSS]]:
    if not hasattr(_local, "fonts"):
        _local.fonts = FontConfiguration()
        _local.styles = {}
    if look not in _local.styles:
        if not look.isalpha() or not (STYLES / f"{look}.css").is_file():
            raise ValueError(f"modèle de document inconnu : {look}")
        _local.styles[look] = [
            weasyprint.CSS(filename=STYLES / name, base_url=FONTS, font_config=_local.fonts)
            for name in ("commun.css", f"{look}.css")
        ]
    return _local.fonts, _local.styles[look]


def qr_data_uri(url: str) -> str:
    """One pixel per module, quiet zone of one: the stylesheet scales it up unsmoothed."""
    code = qrcode.QRCode(border=1, box_size=1)
    code.add_data(url)
    out = io.BytesIO()
    code.make_image().save(out)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def html_to_pdf(html: str, look: str, attachments: list[weasyprint.Attachment]) -> bytes:
    fonts, styles = _prepared(look)
    return weasyprint.HTML(string=html).write_pdf(
        stylesheets=styles, font_config=fonts, attachments=attachments
    )
