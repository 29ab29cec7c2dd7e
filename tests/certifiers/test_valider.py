"""``passeport valider``: the certifiers' local check, without database (accrochage.md §6).

One line per problem, ``ligne:colonne: message``; exit code 0 if the file would be accepted
as far as the file alone can tell, 1 otherwise. No test here may touch the database: the
check must run on a certifier's machine.
"""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import OFFICIAL_SAMPLE, PROJECT

SAMPLE = OFFICIAL_SAMPLE.read_bytes()
IDS = [
    "db855769-bcd6-4253-93cf-e666db666c0a",
    "10c54fd2-f3a3-4dea-b975-4d7258bd10b3",
    "0785a873-acf7-4632-ad7b-b11cfff05b13",
]
PASSAGE_LINES = [17, 77, 124]  # where each passageCertification opens (column 22)


def vae_warning(n: int) -> str:
    return (
        f"{PASSAGE_LINES[n]}:22: avertissement : voieAccessVAE (VAE_CLASSIQUE) est ignorée : "
        f"modaliteAcces vaut FORMATION_INITIALE_APPRENTISSAGE et non VAE (passage {IDS[n]})."
    )


NATURE_WARNING = (
    "12:16: avertissement : natureDeposant vaut CERTIFICATEUR alors que l'émetteur AB123CDE "
    "n'est pas le certificateur E564ACB0 (certification RNCP19117, index 0)."
)
SAMPLE_OUTPUT = [NATURE_WARNING, vae_warning(0), vae_warning(1), vae_warning(2)]


def suffix(n: int) -> str:
    return (
        "pour le passage certification avec le bcr émetteur AB123CDE et l'id technique "
        f"partenaire {IDS[n]}"
    )


def valider(path: Path) -> tuple[int, list[str], str]:
    """Run the command in process: (exit code, stdout lines, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("valider", str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue().strip()


def nth_replace(data: bytes, old: bytes, new: bytes, n: int) -> bytes:
    """Replace the ``n``-th (0-based) occurrence only."""
    parts = data.split(old)
    assert len(parts) > n + 1, old
    return old.join(parts[: n + 1]) + new + old.join(parts[n + 1 :])


def drop(data: bytes, name: str, n: int) -> bytes:
    """Remove the ``n``-th ``name`` element, keeping its line breaks (lines do not move)."""
    found = list(re.finditer(rf"<cpf:{name}>.*?</cpf:{name}>".encode(), data, re.DOTALL))
    m = found[n]
    return data[: m.start()] + b"\n" * m.group(0).count(b"\n") + data[m.end() :]


@pytest.fixture
def flux(tmp_path: Path):
    def write(data: bytes) -> Path:
        path = tmp_path / "flux.xml"
        path.write_bytes(data)
        return path

    return write


def test_official_sample_is_valid_with_its_four_warnings():
    code, lines, err = valider(OFFICIAL_SAMPLE)
    assert code == 0
    assert lines == SAMPLE_OUTPUT
    assert err == "Fichier valide : 3 passage(s), 4 avertissement(s)."


def test_schema_errors_exit_1_with_line_and_column(flux):
    data = SAMPLE.replace(b"14:24:12+01:00", b"14:24:12Z").replace(
        b"<cpf:sexe>M<", b"<cpf:sexe>H<", 1
    )
    code, lines, err = valider(flux(data))
    assert code == 1
    assert lines == [
        "4:4: cvc-pattern-valid : La valeur '2020-12-18T14:24:12Z' de l'élément "
        "'cpf:horodatage' n'a pas le format attendu.",
        "65:31: cvc-enumeration-valid : La valeur 'H' de l'élément 'cpf:sexe' n'est pas "
        "autorisée. Valeurs possibles : M, F.",
    ]
    assert err == "Fichier invalide."


def test_well_formedness_and_doctype_refusals_exit_1(flux):
    code, lines, _ = valider(flux(SAMPLE.replace(b"</cpf:idClient>", b"</cpf:idClientX>", 1)))
    assert (code, lines) == (
        1,
        [
            '6:45: Le type d\'élément "cpf:idClient" doit se terminer par la balise de fin '
            'correspondante "</cpf:idClient>".'
        ],
    )
    hostile = SAMPLE.replace(b"?>\n", b'?>\n<!DOCTYPE cpf:flux SYSTEM "http://x/y.dtd">\n', 1)
    code, lines, _ = valider(flux(hostile))
    assert (code, lines) == (
        1,
        [
            "2:1: Le fichier contient une déclaration DOCTYPE : les DTD et les entités ne sont "
            "pas acceptées (protection contre les attaques XXE et par expansion d'entités)."
        ],
    )


# Business rules checkable without a database: (mutation, expected blocking lines)
RULES = {
    "date-fin-avant-debut": (
        nth_replace(SAMPLE, b">2030-12-13<", b">2019-01-01<", 0),
        [
            "77:22: La date de fin de validité est inférieure à date de début de validité "
            + suffix(1)
        ],
    ),
    "type-RS-code-RNCP": (
        SAMPLE.replace(b"<cpf:type>RNCP</cpf:type>", b"<cpf:type>RS</cpf:type>"),
        [
            f"{PASSAGE_LINES[n]}:22: Le statut de la certification avec le bcr émetteur "
            f"AB123CDE, l'id technique partenaire {IDS[n]} et l'index 0 est KO"
            for n in range(3)
        ],
    ),
    "code-sans-prefixe": (
        SAMPLE.replace(b">RNCP19117<", b">19117<"),
        [
            f"{PASSAGE_LINES[n]}:22: Le statut de la certification avec le bcr émetteur "
            f"AB123CDE, l'id technique partenaire {IDS[n]} et l'index 0 est KO"
            for n in range(3)
        ],
    ),
    "idTechnique-en-double": (
        SAMPLE.replace(IDS[2].encode(), IDS[0].encode()),
        [
            "124:22: Le passage certification avec le bcr émetteur AB123CDE et l'id technique "
            f"partenaire {IDS[0]} existe déjà en base"
        ],
    ),
    "langue-sans-niveau": (
        drop(SAMPLE, "niveauLangueEuropeen", 0),
        [
            "17:22: Le niveau de langue européen est obligatoire lorsque "
            "presenceNiveauLangueEuro vaut true " + suffix(0)
        ],
    ),
    "numerique-sans-bloc": (
        drop(SAMPLE, "niveauNumeriqueEuropeen", 1),
        [
            "77:22: Le niveau numérique européen est obligatoire lorsque "
            "presenceNiveauNumeriqueEuro vaut true " + suffix(1)
        ],
    ),
    "VAE-sans-voie": (
        drop(
            SAMPLE.replace(b">FORMATION_INITIALE_APPRENTISSAGE<", b">VAE<", 1), "voieAccessVAE", 0
        ),
        ["17:22: La voie d'accès VAE est obligatoire lorsque modaliteAcces vaut VAE " + suffix(0)],
    ),
}


@pytest.mark.parametrize("name", list(RULES))
def test_business_rule_exits_1_with_the_message_of_the_rules(name: str, flux):
    data, blocking = RULES[name]
    code, lines, err = valider(flux(data))
    assert code == 1
    assert [line for line in lines if ": avertissement : " not in line] == blocking
    assert err == "Fichier invalide."


def test_problems_and_warnings_come_in_file_order(flux):
    code, lines, _ = valider(flux(RULES["date-fin-avant-debut"][0]))
    assert code == 1
    assert lines == [
        NATURE_WARNING,
        vae_warning(0),
        RULES["date-fin-avant-debut"][1][0],
        vae_warning(1),
        vae_warning(2),
    ]


def test_voie_VAE_when_access_is_VAE_is_no_warning(flux):
    data = SAMPLE.replace(b">FORMATION_INITIALE_APPRENTISSAGE<", b">VAE<", 1)
    code, lines, err = valider(flux(data))
    assert code == 0
    assert lines == [NATURE_WARNING, vae_warning(1), vae_warning(2)]
    assert err == "Fichier valide : 3 passage(s), 3 avertissement(s)."


def _command() -> list[str]:
    script = Path(sys.executable).with_name("passeport")
    return [str(script)] if script.exists() else [sys.executable, "-m", "passeport"]


def test_the_installed_command_exit_codes(flux):
    """The real entry point, as a certifier runs it: exit status and output streams."""
    ok = subprocess.run(
        [*_command(), "valider", str(OFFICIAL_SAMPLE)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == SAMPLE_OUTPUT
    assert ok.stderr.strip() == "Fichier valide : 3 passage(s), 4 avertissement(s)."
    bad = subprocess.run(
        [*_command(), "valider", str(flux(SAMPLE.replace(b"<cpf:sexe>M<", b"<cpf:sexe>H<", 1)))],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=60,
    )
    assert bad.returncode == 1
    assert bad.stdout.splitlines() == [
        "65:31: cvc-enumeration-valid : La valeur 'H' de l'élément 'cpf:sexe' n'est pas "
        "autorisée. Valeurs possibles : M, F."
    ]
    assert bad.stderr.strip() == "Fichier invalide."
