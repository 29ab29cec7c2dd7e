import pytest

from passeport.core.text import clean_text, normalize_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Dupont-Éléonore ", "DUPONT-ELEONORE"),
        ("Cœur  de   Lion", "COEUR DE LION"),
        ("Lætitia", "LAETITIA"),
        ("Jean-Pierre", "JEAN-PIERRE"),
        ("N'Diaye", "N'DIAYE"),
        (None, ""),
    ],
)
def test_normalize_name(raw, expected):
    assert normalize_name(raw) == expected


def test_hyphen_stays_significant():
    assert normalize_name("Jean-Pierre") != normalize_name("Jean Pierre")


def test_clean_text():
    assert clean_text("  a \n b ") == "a b"
    assert clean_text("   ") is None
    assert clean_text(None) is None
