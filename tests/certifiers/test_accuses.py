"""Accusés de traitement (accrochage.md §8): the four real files read with our reader, our
writer byte-compatible with the CDC's files, round trips, file name and download header."""

import io
from datetime import date
from urllib.parse import unquote

import pytest
from django.utils import timezone
from lxml import etree

from passeport.certifiers import processing, services
from passeport.certifiers.accuse import (
    AMBIGUOUS,
    CERTIFICATION,
    DATES,
    DUPLICATE,
    NOT_FOUND,
    OTHER,
    REQUIRED,
    FileError,
    KoPassage,
    PassagesReportWriter,
    classify,
    errors_report,
    read_report,
    report_file_name,
)
from passeport.certifiers.models import Channel
from passeport.core.downloads import content_disposition
from tests.conftest import ACCUSES, OFFICIAL_SAMPLE
from tests.factories import official_sample_world

PIX = ACCUSES / "Accuse_de_traitement_pix-cpf-export-20231016-223239.xml_20231018.xml"
ERREUR = ACCUSES / "Accuse_de_traitement_erreur_traitement.xml"
SANS_NOM = ACCUSES / "Accuse_de_traitement_sans_nomFichier.xml"
IMPORT_LOG = ACCUSES / "cpfImportLog.xml"

NOT_FOUND_1 = "Aucun titulaire ne correspond aux critères obligatoires"
NOT_FOUND_2 = (
    "Aucun titulaire ne correspond aux critères obligatoires enrichis du jour et du mois de "
    "naissance"
)
CDC_DUPLICATE = (
    "Le passage certification avec le bcr émetteur 03VML243 et l'id technique partenaire "
    "1559735 existe déjà en base"
)
PI_SPACE = "Un espace est obligatoire entre les données et la cible de l'instruction de traitement."


def write(writer: PassagesReportWriter) -> bytes:
    out = io.BytesIO()
    writer.write_to(out)
    writer.close()
    return out.getvalue()


# ---------------------------------------------------------------------------------------
# The real files


def test_real_pix_accuse():
    report = read_report(PIX)
    assert (report.file_name, report.id_flux, report.id_traitement) == (
        "pix-cpf-export-20231016-223239.xml",
        "4df76fd4-0915-46df-8c56-525506af35be",
        67598,
    )
    assert report.ko == [
        KoPassage("1979262", NOT_FOUND_1),
        KoPassage("1996215", NOT_FOUND_2),
        KoPassage("1983189", CDC_DUPLICATE),
    ]
    assert report.ok == ["1968666", "1964200"]
    assert report.errors == []
    assert not report.rejected
    assert [k.family for k in report.ko] == [NOT_FOUND, NOT_FOUND, DUPLICATE]


def test_real_duplicate_is_correlated_on_idTechnique_not_on_the_text():
    """The CDC's duplicate message quotes 1559735 for the passage 1983189 (§6.4)."""
    duplicate = read_report(PIX.read_bytes()).ko[2]
    assert duplicate.id_technique == "1983189"
    assert "1559735" in duplicate.message


def test_real_whole_file_rejection():
    report = read_report(ERREUR)
    assert (report.file_name, report.id_flux, report.id_traitement) == (
        "pix-cpf-export-20231016-223357_002.xml",
        None,
        68548,
    )
    assert report.errors == [FileError(type="XSD", message=PI_SPACE, line=1, column=18)]
    assert report.rejected
    assert (report.ok, report.ko) == ([], [])


def test_fixture_without_nomFichier_and_a_message_not_in_cdc_wording():
    report = read_report(SANS_NOM)
    assert report.file_name is None
    assert (report.id_flux, report.id_traitement) == ("4df76fd4-0915-46df-8c56-525506af35be", 67598)
    assert [(k.id_technique, k.message) for k in report.ko] == [
        ("1979262", NOT_FOUND_1),
        ("1996215", NOT_FOUND_2),
        ("1983189", "Le titulaire existe déjà en base"),
    ]
    assert report.ko[2].family == OTHER  # not the CDC's duplicate: never read as accepted
    assert report.ok == ["1968666", "1964200"]


def test_fixture_declared_standalone_yes():
    assert IMPORT_LOG.read_bytes().startswith(
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    )
    report = read_report(IMPORT_LOG)
    assert (report.file_name, report.id_flux, report.id_traitement) == (
        "pix-cpf-export-20221003-324234.xml",
        "1234-abcd",
        1,
    )
    assert report.ko == [KoPassage("1234", NOT_FOUND_1), KoPassage("4567", CDC_DUPLICATE)]
    assert report.ok == ["891011"]


# ---------------------------------------------------------------------------------------
# Families of KO messages

SUFFIX = (
    "pour le passage certification avec le bcr émetteur AB123CDE et l'id technique partenaire 7"
)


@pytest.mark.parametrize(
    ("message", "family"),
    [
        (CDC_DUPLICATE, DUPLICATE),
        (
            "Le passage certification avec le bcr émetteur AB123CDE et l'id technique partenaire "
            "id avec espaces existe déjà en base",
            DUPLICATE,
        ),
        ("Le titulaire existe déjà en base", OTHER),
        ("Le passage existe déjà en base", OTHER),
        (NOT_FOUND_1, NOT_FOUND),
        (NOT_FOUND_2, NOT_FOUND),
        ("Aucun titulaire ne correspond aux critères de reconciliation", NOT_FOUND),
        ("Plusieurs titulaires ont été identifiés", AMBIGUOUS),
        (
            "Le statut de la certification avec le bcr émetteur AB123CDE, l'id technique "
            "partenaire 7 et l'index 0 est KO",
            CERTIFICATION,
        ),
        (
            "La date de fin de validité est inférieure à date de début de validité " + SUFFIX,
            DATES,
        ),
        (
            "Le niveau de langue européen est obligatoire lorsque presenceNiveauLangueEuro vaut "
            "true " + SUFFIX,
            REQUIRED,
        ),
        (
            "Le niveau numérique européen est obligatoire lorsque presenceNiveauNumeriqueEuro "
            "vaut true " + SUFFIX,
            REQUIRED,
        ),
        (
            "La voie d'accès VAE est obligatoire lorsque modaliteAcces vaut VAE " + SUFFIX,
            REQUIRED,
        ),
        ("Erreur technique", OTHER),
    ],
    ids=[
        "doublon-CDC",
        "doublon-id-avec-espaces",
        "titulaire-existe",
        "passage-existe-sans-bcr",
        "niveau-1",
        "niveau-2",
        "niveau-3",
        "plusieurs",
        "certification",
        "dates",
        "langue",
        "numerique",
        "VAE",
        "autre",
    ],
)
def test_classify(message: str, family: str):
    assert classify(message) == family


# ---------------------------------------------------------------------------------------
# Our writer, byte for byte in the CDC's shape


def test_writer_regenerates_the_real_pix_accuse_byte_for_byte():
    real = PIX.read_bytes()
    writer = PassagesReportWriter(
        "pix-cpf-export-20231016-223239.xml", "4df76fd4-0915-46df-8c56-525506af35be", 67598
    )
    writer.ok("1968666")  # OK lines may come first: the KO section is still written first
    writer.ko("1979262", NOT_FOUND_1)
    writer.ko("1996215", NOT_FOUND_2)
    writer.ok("1964200")
    writer.ko("1983189", CDC_DUPLICATE)
    assert write(writer) == real


def test_errors_report_regenerates_the_real_rejection_byte_for_byte():
    errors = [FileError("XSD", PI_SPACE, 1, 18)]
    body = errors_report("pix-cpf-export-20231016-223357_002.xml", 68548, errors)
    assert body == ERREUR.read_bytes()


def test_shape_of_what_we_write():
    """Prolog, root with the unused ns2, no namespace, 4-space indent, trailing newline."""
    body = write(PassagesReportWriter("f.xml", "x", 1))
    assert body == (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        b'<rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">\n'
        b"    <nomFichier>f.xml</nomFichier>\n"
        b"    <idFlux>x</idFlux>\n"
        b"    <idTraitement>1</idTraitement>\n"
        b"</rapport>\n"
    )
    root = etree.fromstring(errors_report("f.xml", 2, [FileError("METIER", "m", 3, 4)]))
    assert [el.tag for el in root.iter()] == [
        "rapport",
        "nomFichier",
        "idTraitement",
        "erreurs",
        "erreur",
        "type",
        "message",
        "ligne",
        "colonne",
    ]
    assert root.nsmap == {"ns2": "urn:cdc:cpf:pc5:rapport:schema"}


# ---------------------------------------------------------------------------------------
# Round trips

TRICKY = 'Résultats d\'Angoulême & <Cie> "2024" ]]> été.xml'


@pytest.mark.parametrize(
    ("ko", "ok"),
    [
        ([("a&b", "Aucun titulaire <ne> correspond"), ("é 2", CDC_DUPLICATE)], ["o1", "ö'2"]),
        ([("seul", NOT_FOUND_1)], []),
        ([], ["un"]),
        ([], []),
    ],
    ids=["KO-et-OK", "un-seul-KO", "un-seul-OK", "aucun"],
)
def test_round_trip_passages(ko: list[tuple[str, str]], ok: list[str]):
    writer = PassagesReportWriter(TRICKY, "flux & <id>", 42)
    for id_technique, message in ko:
        writer.ko(id_technique, message)
    for id_technique in ok:
        writer.ok(id_technique)
    body = write(writer)
    report = read_report(body)
    assert (report.file_name, report.id_flux, report.id_traitement) == (TRICKY, "flux & <id>", 42)
    assert [(k.id_technique, k.message) for k in report.ko] == ko
    assert report.ok == ok
    assert report.errors == []
    assert (b"<PassagesKO>" in body, b"<PassagesOK>" in body) == (bool(ko), bool(ok))


def test_round_trip_errors():
    errors = [
        FileError("XSD", "cvc-elt.1.a : Déclaration de l'élément 'cpf:flux' introuvable.", 2, 1),
        FileError("METIER", "Aucun contrat C1 ne lie l'émetteur A au certificateur B", 10, 13),
        FileError("XSD", 'La chaîne "--" n\'est pas autorisée dans les commentaires.', 5, 11),
    ]
    report = read_report(errors_report(TRICKY, 7, errors))
    assert (report.file_name, report.id_flux, report.id_traitement) == (TRICKY, None, 7)
    assert report.errors == errors


def test_characters_xml_cannot_carry_are_replaced_not_written():
    writer = PassagesReportWriter("dépôt\x01\x1f.xml", "x", 1)
    writer.ko("a\x00b", "message\x0b")
    report = read_report(write(writer))
    assert report.file_name == "dépôt\ufffd\ufffd.xml"
    assert report.ko == [KoPassage("a\ufffdb", "message\ufffd")]


# ---------------------------------------------------------------------------------------
# Reader robustness (§8.4)


def test_reader_ignores_namespaces_and_case():
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ns2:rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">'
        "<ns2:idTraitement> 9 </ns2:idTraitement>"
        "<passagesKO><passage><IDTECHNIQUE>k</IDTECHNIQUE>"
        f"<messageErreur>{NOT_FOUND_1}</messageErreur></passage></passagesKO>"
        "<passagesok><idTechnique>o</idTechnique></passagesok>"
        "</ns2:rapport>"
    ).encode()
    report = read_report(body)
    assert (report.file_name, report.id_traitement) == (None, 9)
    assert report.ko == [KoPassage("k", NOT_FOUND_1)]
    assert report.ok == ["o"]


def test_reader_refuses_another_document():
    with pytest.raises(ValueError) as caught:
        read_report(OFFICIAL_SAMPLE)
    assert (
        str(caught.value) == "Ce document n'est pas un accusé de traitement (racine « rapport »)."
    )


@pytest.mark.parametrize("as_path", [False, True], ids=["octets", "fichier"])
def test_reader_refuses_a_doctype_before_parsing(as_path: bool, tmp_path, monkeypatch):
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- x -->\n'
        b'<!DOCTYPE rapport [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        b"<rapport><nomFichier>&e;</nomFichier></rapport>\n"
    )
    monkeypatch.setattr(etree, "XMLParser", lambda **kw: pytest.fail("analyseur créé"))
    source = body
    if as_path:
        source = tmp_path / "rapport.xml"
        source.write_bytes(body)
    with pytest.raises(ValueError) as caught:
        read_report(source)
    assert str(caught.value) == (
        "Le fichier contient une déclaration DOCTYPE : les DTD et les entités ne sont pas "
        "acceptées (protection contre les attaques XXE et par expansion d'entités). "
        "(ligne 3, colonne 1)"
    )


# ---------------------------------------------------------------------------------------
# File name and download header (§8.3)


def test_report_file_name_is_the_cdc_pattern():
    name = report_file_name("pix-cpf-export-20231016-223239.xml", date(2023, 10, 18))
    assert name == "Accusé de traitement_pix-cpf-export-20231016-223239.xml_20231018.xml"
    # Pix stores the same name in ASCII: the real file's name.
    assert name.replace("é", "e").replace(" ", "_") == PIX.name


@pytest.mark.parametrize(
    ("name", "header"),
    [
        (
            "Accusé de traitement_pix.xml_20231018.xml",
            'attachment; filename="Accuse de traitement_pix.xml_20231018.xml"; '
            "filename*=UTF-8''Accus%C3%A9%20de%20traitement_pix.xml_20231018.xml",
        ),
        (
            "Accusé de traitement_résultats Été.xml_20240102.xml",
            'attachment; filename="Accuse de traitement_resultats Ete.xml_20240102.xml"; '
            "filename*=UTF-8''Accus%C3%A9%20de%20traitement_r%C3%A9sultats%20%C3%89t%C3%A9.xml"
            "_20240102.xml",
        ),
        (
            'a"b\\c\r\nd;e.xml',
            "attachment; filename=\"a_b_c__d;e.xml\"; filename*=UTF-8''a%22b%5Cc%0D%0Ad%3Be.xml",
        ),
        (
            "日本.xml",
            "attachment; filename=\"accuse.xml\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.xml",
        ),
        (
            "データ",
            "attachment; filename=\"accuse.xml\"; filename*=UTF-8''%E3%83%87%E3%83%BC%E3%82%BF",
        ),
    ],
    ids=["accuse", "accents", "guillemets-et-fin-de-ligne", "kanji", "rien-d-ascii"],
)
def test_content_disposition(name: str, header: str):
    value = content_disposition(name)
    assert value == header
    value.encode("ascii")  # a header value: ASCII only, no line break
    assert "\r" not in value and "\n" not in value
    assert unquote(value.split("filename*=UTF-8''", 1)[1]) == name


# ---------------------------------------------------------------------------------------
# What the pipeline writes


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_pipeline_accuse_of_the_official_sample_is_in_the_cdc_shape():
    world = official_sample_world()
    name = OFFICIAL_SAMPLE.name
    receipt = services.receive(
        io.BytesIO(OFFICIAL_SAMPLE.read_bytes()),
        name,
        Channel.CLI,
        world["depositor"],
        enqueue=False,
    )
    processing.process(receipt.deposit.pk)
    d = receipt.deposit
    d.refresh_from_db()
    assert (
        services.report_bytes(d)
        == (
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            '<rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">\n'
            f"    <nomFichier>{name}</nomFichier>\n"
            "    <idFlux>6e3c7378-bda4-497a-9bd6-dc203f903ed9</idFlux>\n"
            f"    <idTraitement>{d.pk}</idTraitement>\n"
            "    <PassagesOK>\n"
            "        <idTechnique>db855769-bcd6-4253-93cf-e666db666c0a</idTechnique>\n"
            "        <idTechnique>10c54fd2-f3a3-4dea-b975-4d7258bd10b3</idTechnique>\n"
            "        <idTechnique>0785a873-acf7-4632-ad7b-b11cfff05b13</idTechnique>\n"
            "    </PassagesOK>\n"
            "</rapport>\n"
        ).encode()
    )
    day = timezone.localdate(d.processed_at)
    assert d.report_file_name == f"Accusé de traitement_{name}_{day:%Y%m%d}.xml"


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_pipeline_accuse_of_a_rejected_file_is_in_the_cdc_shape():
    data = OFFICIAL_SAMPLE.read_bytes().replace(b'version="1.0"', b'version="2.0"')
    receipt = services.receive(io.BytesIO(data), "v2.xml", Channel.CLI, None, enqueue=False)
    processing.process(receipt.deposit.pk)
    d = receipt.deposit
    d.refresh_from_db()
    assert (
        services.report_bytes(d)
        == (
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            '<rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">\n'
            "    <nomFichier>v2.xml</nomFichier>\n"
            f"    <idTraitement>{d.pk}</idTraitement>\n"
            "    <erreurs>\n"
            "        <erreur>\n"
            "            <type>XSD</type>\n"
            "            <message>La version XML « 2.0 » n'est pas acceptée : seule la version 1.0 "
            "l'est.</message>\n"
            "            <ligne>1</ligne>\n"
            "            <colonne>16</colonne>\n"
            "        </erreur>\n"
            "    </erreurs>\n"
            "</rapport>\n"
        ).encode()
    )
