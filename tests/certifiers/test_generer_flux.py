"""``passeport generer-flux``: a CSV in, a flux valid against our schema and the CDC XSD out."""

import csv
import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from passeport import cli
from passeport.certifiers import processing, services
from passeport.certifiers.flux import NS
from passeport.certifiers.flux_builder import COLUMNS, RowError, horodatage, write_flux
from passeport.certifiers.models import Channel, DepositStatus
from passeport.certifiers.schema import flux_schema
from passeport.records.models import CertificationItem
from tests.conftest import CDC_XSD, PROJECT
from tests.factories import official_sample_world

NSMAP = {"cpf": NS, "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
# accrochage.md §5.1: (19|20)YY-MM-DDThh:mm:ss and a mandatory ±HH:MM offset
HORODATAGE = re.compile(r"^(19|20)\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
DOC = PROJECT / "docs" / "generer-flux.md"
ARGS = ["--emetteur", "AB123CDE", "--certificateur", "E564ACB0", "--contrat", "2560080000127J"]


@pytest.fixture(scope="module")
def cdc_schema():
    return etree.XMLSchema(etree.parse(str(CDC_XSD)))


def row(id_technique: str, **values) -> dict:
    base = {
        "type": "RNCP",
        "code": "RNCP19117",
        "id_technique": id_technique,
        "obtention": "PAR_ADMISSION",
        "donnee_certifiee": "true",
        "date_debut_validite": "2024-06-30",
        "nom_naissance": "Dupont",
        "prenom1": "Antoine",
        "annee_naissance": "1996",
        "sexe": "M",
    }
    base.update(values)
    return base


FULL = row(
    "full-1",
    date_fin_validite="2029-06-30",
    nom_usage="Dupont-Martin",
    prenom2="Julien",
    prenom3="Philippe",
    mois_naissance="11",
    jour_naissance="15",
    code_insee_naissance="31555",
    libelle_commune_naissance="Toulouse",
    url_preuve="https://exemple.invalid/preuve/1",
    libelle_option="Option synthétique",
    date_debut_examen="2024-06-01",
    date_fin_examen="2024-06-02",
    modalite_examen="EN_PRESENTIEL",
    code_postal_centre_examen="31000",
    niveau_langue="B2",
    score_numerique="890",
    resultats_numeriques="3.4:5 1.1:7",
    scoring="12.4",
    mention="MENTION_BIEN",
    modalite_acces="VAE",
    voie_acces_vae="VAE_CLASSIQUE",
    initiative_inscription="CERTIFIE",
    date_inscription="2023-09-01",
    verbatim="Épreuve & <écrit>",
)
MINIMAL = row("minimal-2")  # every unknown nillable value becomes xsi:nil
ABROAD = row(
    "abroad-3",
    type="RS",
    code="RS5875",
    code_insee_naissance="99134",
    code_pays_naissance="134",
    libelle_pays_naissance="Espagne",
)
DOSSIER = row(
    "dossier-4",
    nom_naissance="",
    prenom1="",
    annee_naissance="",
    sexe="",
    id_dossier_cpf="1234567891011",
    nom_titulaire_cpf="Dupont",
    prenom_titulaire_cpf="Antoine",
)


def write_csv(path, rows, header=COLUMNS):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for r in rows:
            writer.writerow(r if isinstance(r, list) else [r.get(c, "") for c in COLUMNS])
    return path


def generate(tmp_path, rows, *extra) -> tuple[etree._ElementTree, str]:
    src = write_csv(tmp_path / "passages.csv", rows)
    out = tmp_path / "flux.xml"
    stdout = io.StringIO()
    call_command("generer_flux", str(src), *ARGS, "-o", str(out), *extra, stdout=stdout)
    return etree.parse(str(out)), stdout.getvalue()


def find(el, path):
    return el.find(path, NSMAP)


def passages(doc) -> dict[str, etree._Element]:
    return {
        find(p, "cpf:idTechnique").text: p
        for p in doc.iterfind(".//cpf:passageCertification", NSMAP)
    }


def leftovers(tmp_path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("flux"))


class TestValidOutput:
    def test_validates_against_our_schema_and_the_cdc_xsd(self, tmp_path, cdc_schema):
        doc, stdout = generate(tmp_path, [FULL, MINIMAL, ABROAD, DOSSIER])
        assert stdout == f"4 passage(s) écrits dans {tmp_path / 'flux.xml'}.\n"
        assert flux_schema().validate(doc), flux_schema().error_log
        assert cdc_schema.validate(doc), cdc_schema.error_log
        assert leftovers(tmp_path) == ["flux.xml"]

    def test_envelope(self, tmp_path):
        doc, _ = generate(tmp_path, [MINIMAL])
        root = doc.getroot()
        assert root.tag == f"{{{NS}}}flux" and root.prefix == "cpf"
        assert find(root, "cpf:emetteur/cpf:idClient").text == "AB123CDE"
        certifier = find(root, "cpf:emetteur/cpf:certificateurs/cpf:certificateur")
        assert find(certifier, "cpf:idClient").text == "E564ACB0"
        assert find(certifier, "cpf:idContrat").text == "2560080000127J"
        assert re.fullmatch(r"[0-9a-f-]{36}", find(root, "cpf:idFlux").text)

    def test_horodatage_is_paris_time_with_its_real_offset(self, tmp_path):
        before = datetime.now(UTC).replace(microsecond=0)
        doc, _ = generate(tmp_path, [MINIMAL])
        after = datetime.now(UTC)
        text = find(doc.getroot(), "cpf:horodatage").text
        assert HORODATAGE.match(text)
        stamp = datetime.fromisoformat(text)
        assert text[-6:] in ("+01:00", "+02:00")
        assert stamp.utcoffset() == stamp.astimezone(ZoneInfo("Europe/Paris")).utcoffset()
        assert before <= stamp <= after

    def test_nillable_unknowns_are_nil_and_optional_unknowns_absent(self, tmp_path):
        doc, _ = generate(tmp_path, [MINIMAL])
        p = passages(doc)["minimal-2"]
        nil = {
            etree.QName(el).localname
            for el in p.iter()
            if el.get(NIL) == "true" and len(el) == 0 and el.text is None
        }
        assert nil == {
            "dateFinValidite",
            "scoring",
            "mentionValidee",
            "modaliteAcces",
            "nomUsage",
            "moisNaissance",
            "jourNaissance",
            "codePostal",
        }
        for absent in (
            "urlPreuve",
            "libelleOption",
            "dateDebutExamen",
            "niveauLangueEuropeen",
            "niveauNumeriqueEuropeen",
            "voieAccessVAE",
            "prenom2",
            "codePaysNaissance",
            "verbatim",
        ):
            assert p.find(f".//cpf:{absent}", NSMAP) is None, absent
        assert find(p, "cpf:presenceNiveauLangueEuro").text == "false"
        assert find(p, "cpf:presenceNiveauNumeriqueEuro").text == "false"

    def test_every_column_lands_in_its_element(self, tmp_path):
        doc, _ = generate(tmp_path, [FULL])
        p = passages(doc)["full-1"]
        values = {
            "cpf:dateFinValidite": "2029-06-30",
            "cpf:urlPreuve": "https://exemple.invalid/preuve/1",
            "cpf:libelleOption": "Option synthétique",
            "cpf:dateDebutExamen": "2024-06-01",
            "cpf:dateFinExamen": "2024-06-02",
            "cpf:modalitePassageExamen": "EN_PRESENTIEL",
            "cpf:codePostalCentreExamen": "31000",
            "cpf:presenceNiveauLangueEuro": "true",
            "cpf:niveauLangueEuropeen": "B2",
            "cpf:presenceNiveauNumeriqueEuro": "true",
            "cpf:niveauNumeriqueEuropeen/cpf:scoreGeneral": "890",
            "cpf:scoring": "12.4",
            "cpf:mentionValidee": "MENTION_BIEN",
            "cpf:modalitesInscription/cpf:modaliteAcces": "VAE",
            "cpf:modalitesInscription/cpf:voieAccessVAE": "VAE_CLASSIQUE",
            "cpf:modalitesInscription/cpf:initiativeInscription": "CERTIFIE",
            "cpf:modalitesInscription/cpf:dateInscription": "2023-09-01",
            "cpf:verbatim": "Épreuve & <écrit>",
        }
        assert {path: find(p, path).text for path in values} == values
        results = [
            (find(r, "cpf:domaineCompetenceId").text, find(r, "cpf:competenceId").text,
             find(r, "cpf:niveau").text)
            for r in p.iterfind(".//cpf:resultat", NSMAP)
        ]  # fmt: skip
        assert results == [("3", "4", "5"), ("1", "1", "7")]
        t = find(p, "cpf:identificationTitulaire/cpf:titulaire")
        identity = {etree.QName(el).localname: el.text for el in t.iter() if len(el) == 0}
        assert identity == {
            "nomNaissance": "Dupont",
            "nomUsage": "Dupont-Martin",
            "prenom1": "Antoine",
            "prenom2": "Julien",
            "prenom3": "Philippe",
            "anneeNaissance": "1996",
            "moisNaissance": "11",
            "jourNaissance": "15",
            "sexe": "M",
            "codeInsee": "31555",
            "libelleCommuneNaissance": "Toulouse",
        }

    def test_born_abroad(self, tmp_path):
        doc, _ = generate(tmp_path, [ABROAD])
        t = find(passages(doc)["abroad-3"], ".//cpf:titulaire")
        assert find(t, "cpf:codeCommuneNaissance/cpf:codeInseeNaissance/cpf:codeInsee").text == (
            "99134"
        )
        assert find(t, "cpf:codePaysNaissance").text == "134"
        assert find(t, "cpf:libellePaysNaissance").text == "Espagne"

    def test_postal_code_when_no_insee_code(self, tmp_path):
        doc, _ = generate(tmp_path, [row("postal-5", code_postal_naissance="31000")])
        t = find(passages(doc)["postal-5"], ".//cpf:titulaire")
        assert find(t, "cpf:codeCommuneNaissance/cpf:codePostalNaissance/cpf:codePostal").text == (
            "31000"
        )
        assert find(t, ".//cpf:codeInseeNaissance") is None

    def test_dossier_formation_row(self, tmp_path):
        doc, _ = generate(tmp_path, [DOSSIER])
        ident = find(passages(doc)["dossier-4"], "cpf:identificationTitulaire")
        assert [etree.QName(c).localname for c in ident] == ["dossierFormation"]
        dossier = find(ident, "cpf:dossierFormation")
        assert [(etree.QName(c).localname, c.text) for c in dossier] == [
            ("idDossier", "1234567891011"),
            ("nomTitulaire", "Dupont"),
            ("prenom1Titulaire", "Antoine"),
        ]

    def test_consecutive_rows_with_the_same_type_and_code_share_a_certification(self, tmp_path):
        rows = [
            row("a"),
            row("b"),
            row("c", type="RS", code="RS5875"),
            row("d", type="RS", code="RS5875"),
            row("e"),
            row("f", code="RNCP34825"),
        ]
        doc, stdout = generate(tmp_path, rows)
        blocks = [
            (
                find(c, "cpf:type").text,
                find(c, "cpf:code").text,
                [i.text for i in c.iterfind(".//cpf:idTechnique", NSMAP)],
            )
            for c in doc.iterfind(".//cpf:certification", NSMAP)
        ]
        assert blocks == [
            ("RNCP", "RNCP19117", ["a", "b"]),
            ("RS", "RS5875", ["c", "d"]),
            ("RNCP", "RNCP19117", ["e"]),
            ("RNCP", "RNCP34825", ["f"]),
        ]
        assert stdout.startswith("6 passage(s) écrits")

    def test_through_the_passeport_command_name(self, tmp_path, capsys):
        src = write_csv(tmp_path / "passages.csv", [MINIMAL])
        out = tmp_path / "flux.xml"
        cli.main(["generer-flux", str(src), *ARGS, "-o", str(out)])
        assert capsys.readouterr().out == f"1 passage(s) écrits dans {out}.\n"
        assert flux_schema().validate(etree.parse(str(out)))


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (datetime(2026, 1, 15, 9, 30, 5, tzinfo=UTC), "2026-01-15T10:30:05+01:00"),
        (datetime(2026, 7, 14, 22, 0, 0, tzinfo=UTC), "2026-07-15T00:00:00+02:00"),
        # last Sunday of March 2026: 01:00 UTC is 03:00 summer time
        (datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), "2026-03-29T01:59:59+01:00"),
        (datetime(2026, 3, 29, 1, 0, 0, 123456, tzinfo=UTC), "2026-03-29T03:00:00+02:00"),
    ],
)
def test_horodatage_offsets(when, expected):
    assert horodatage(when) == expected
    assert HORODATAGE.match(expected)


class TestErrors:
    def run(self, tmp_path, rows, header=COLUMNS, args=ARGS):
        src = write_csv(tmp_path / "passages.csv", rows, header)
        out = tmp_path / "flux.xml"
        with pytest.raises(CommandError) as caught:
            call_command("generer_flux", str(src), *args, "-o", str(out))
        assert leftovers(tmp_path) == []  # neither the output nor a partial file
        return str(caught.value)

    def test_missing_required_column_names_its_line(self, tmp_path):
        message = self.run(tmp_path, [row("a"), row("b"), row("c", code="", obtention="")])
        assert message == "ligne 4 : colonne(s) obligatoire(s) vide(s) : code, obtention"

    def test_missing_holder_column(self, tmp_path):
        message = self.run(tmp_path, [row("a", nom_naissance="  ", sexe="")])
        assert message == "ligne 2 : colonne(s) obligatoire(s) vide(s) : nom_naissance, sexe"

    def test_missing_dossier_column(self, tmp_path):
        message = self.run(tmp_path, [row("a"), {**DOSSIER, "prenom_titulaire_cpf": ""}])
        assert message == "ligne 3 : colonne(s) obligatoire(s) vide(s) : prenom_titulaire_cpf"

    def test_value_refused_by_the_schema_names_its_column(self, tmp_path):
        message = self.run(tmp_path, [row("a"), row("b"), row("c", sexe="H")])
        assert message == (
            "ligne 4 : colonne sexe : cvc-enumeration-valid : La valeur 'H' de l'élément "
            "'cpf:sexe' n'est pas autorisée. Valeurs possibles : M, F."
        )

    def test_bad_date(self, tmp_path):
        message = self.run(tmp_path, [row("a", date_debut_validite="30/06/2024")])
        assert message == (
            "ligne 2 : colonne date_debut_validite : cvc-datatype-valid.1.2.1 : '30/06/2024' "
            "n'est pas une valeur valide pour l'élément 'cpf:dateDebutValidite' ; la valeur "
            "attendue est une date au format AAAA-MM-JJ."
        )

    def test_bad_digital_result(self, tmp_path):
        message = self.run(tmp_path, [row("a", resultats_numeriques="3-4-5")])
        assert message == (
            "ligne 2 : résultat numérique « 3-4-5 » mal formé : attendu domaine.competence:niveau"
        )

    def test_wrong_column_count(self, tmp_path):
        message = self.run(tmp_path, [row("a"), ["RNCP", "RNCP19117"]])
        assert message == "ligne 3 : 2 colonnes au lieu de 40"

    def test_no_rows(self, tmp_path):
        message = self.run(tmp_path, [])
        assert message == "ligne 1 : aucune ligne : un flux doit contenir au moins un passage"

    def test_wrong_header(self, tmp_path):
        message = self.run(tmp_path, [row("a")], header=COLUMNS[:-1])
        assert message == (
            "En-tête inattendu. L'en-tête doit être exactement : " + ",".join(COLUMNS)
            + " (ligne 1)"
        )  # fmt: skip

    def test_non_utf8(self, tmp_path):
        src = write_csv(tmp_path / "passages.csv", [row("a"), row("b", nom_naissance="Lefèvre")])
        src.write_bytes(src.read_text(encoding="utf-8").encode("latin-1"))
        out = tmp_path / "flux.xml"
        with pytest.raises(CommandError) as caught:
            call_command("generer_flux", str(src), *ARGS, "-o", str(out))
        assert str(caught.value) == "Le fichier n'est pas encodé en UTF-8. (ligne 3)"
        assert leftovers(tmp_path) == []

    def test_bad_bcr(self, tmp_path):
        args = ["--emetteur", "AB123", *ARGS[2:]]
        message = self.run(tmp_path, [row("a")], args=args)
        assert message == "--emetteur : le BCR « AB123 » doit compter exactement 8 caractères."

    def test_missing_output_folder(self, tmp_path):
        src = write_csv(tmp_path / "passages.csv", [row("a")])
        out = tmp_path / "absent" / "flux.xml"
        with pytest.raises(CommandError) as caught:
            call_command("generer_flux", str(src), *ARGS, "-o", str(out))
        assert str(caught.value) == f"Impossible d'écrire {out} : No such file or directory."


def test_writer_without_validation_writes_values_as_given():
    """The library function (used by tests to build invalid files on purpose)."""
    out = io.BytesIO()
    count = write_flux(
        out, [row("a", sexe="H")], emetteur="AB123CDE", certificateur="E564ACB0", contrat="C"
    )
    assert count == 1
    assert b"<cpf:sexe>H</cpf:sexe>" in out.getvalue()
    with pytest.raises(RowError, match="^colonne sexe : cvc-enumeration-valid"):
        write_flux(
            io.BytesIO(),
            [row("a", sexe="H")],
            emetteur="AB123CDE",
            certificateur="E564ACB0",
            contrat="C",
            validate=True,
        )


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_generated_flux_is_accepted_end_to_end(tmp_path):
    world = official_sample_world()
    rows = [
        row("gen-1", mois_naissance="11", jour_naissance="15", code_insee_naissance="31555"),
        {**DOSSIER, "id_technique": "gen-2"},
    ]
    write_csv(tmp_path / "passages.csv", rows)
    call_command(
        "generer_flux",
        str(tmp_path / "passages.csv"),
        *ARGS,
        "-o",
        str(tmp_path / "flux.xml"),
        stdout=io.StringIO(),
    )
    with open(tmp_path / "flux.xml", "rb") as fh:
        receipt = services.receive(fh, "flux.xml", Channel.CLI, world["depositor"], enqueue=False)
    processing.process(receipt.deposit.pk)
    receipt.deposit.refresh_from_db()
    assert receipt.deposit.status == DepositStatus.DONE_OK
    items = CertificationItem.objects.filter(holder=world["holder"]).order_by("line")
    assert [i.id_technique for i in items] == ["gen-1", "gen-2"]


class TestDocumentation:
    """docs/generer-flux.md stays true: every column documented, its example works."""

    def block(self, language: str) -> str:
        (text,) = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
        return text

    def test_every_column_has_its_row(self):
        documented = re.findall(r"^\| `([a-z0-9_]+)` \| `", DOC.read_text(encoding="utf-8"), re.M)
        assert sorted(documented) == sorted(COLUMNS)  # each once (tables go by topic)
        assert self.block("csv").splitlines()[0] == ",".join(COLUMNS)  # the header, in order

    def test_example_csv_gives_a_valid_flux(self, tmp_path, cdc_schema):
        src = tmp_path / "passages.csv"
        src.write_text(self.block("csv"), encoding="utf-8")
        out = tmp_path / "flux.xml"
        stdout = io.StringIO()
        call_command("generer_flux", str(src), *ARGS, "-o", str(out), stdout=stdout)
        assert stdout.getvalue() == f"4 passage(s) écrits dans {out}.\n"
        doc = etree.parse(str(out))
        assert flux_schema().validate(doc) and cdc_schema.validate(doc)
        assert [c.text for c in doc.iterfind(".//cpf:certification/cpf:code", NSMAP)] == [
            "RNCP19117",
            "RS5875",
        ]
        shown = etree.fromstring(
            self.block("xml").replace(
                "<cpf:passageCertification>",
                f'<cpf:passageCertification xmlns:cpf="{NS}" xmlns:xsi="{NSMAP["xsi"]}">',
                1,
            ),
            etree.XMLParser(remove_blank_text=True),
        )
        written = passages(doc)["PASS-0002"]
        assert etree.tostring(written, method="c14n") == etree.tostring(shown, method="c14n")
