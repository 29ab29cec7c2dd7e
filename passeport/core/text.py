"""Normalisation of names for matching: accents and case ignored, hyphens significant."""

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Letters that Unicode does not decompose but French names write both ways.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


@functools.lru_cache(maxsize=1 << 16)
def normalize_name(value: str | None) -> str:
    """``"  Dupont-Éléonore "`` → ``"DUPONT-ELEONORE"``, ``"Cœur"`` → ``"COEUR"``.

    Cached: names repeat a lot, and matching a deposit normalises several per passage."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value.translate(_LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().upper()


def clean_text(value: str | None) -> str | None:
    """Trim and collapse inner whitespace; empty becomes ``None``."""
    if value is None:
        return None
    cleaned = _SPACES.sub(" ", value).strip()
    return cleaned or None
