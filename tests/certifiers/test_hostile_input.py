"""Hostile and broken inbound files (accrochage.md §6.1, §12): each is refused for its real
reason, with a French message and a position, locally and through the deposit pipeline.

XXE and entity expansion are closed twice: the precheck refuses any DOCTYPE before an XML
parser sees the bytes, and the parser settings alone never load an external entity or DTD.
The second barrier is tested with targets whose access would be observable: a local secret
file and a local HTTP server that counts its requests.
"""

import hashlib
import http.server
import io
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from passeport.certifiers import processing, services
from passeport.certifiers.accuse import FileError, read_report
from passeport.certifiers.models import Channel, Deposit, DepositStatus
from passeport.certifiers.parsing import PARSER_OPTIONS, Rejection, precheck
from passeport.certifiers.reader import FluxReader, SchemaInvalid
from passeport.certifiers.schema import flux_schema, list_errors
from passeport.certifiers.validation import Problem, validate_file
from passeport.core import storage
from passeport.core.errors import InputError
from passeport.records.models import CertificationItem
from tests.conftest import OFFICIAL_SAMPLE, PROJECT, XXE_DIR
from tests.factories import official_sample_world

SAMPLE = OFFICIAL_SAMPLE.read_bytes()

DOCTYPE = (
    "Le fichier contient une déclaration DOCTYPE : les DTD et les entités ne sont pas "
    "acceptées (protection contre les attaques XXE et par expansion d'entités)."
)

# The five files of the EU digital-credentials test suite, and where their DOCTYPE stands.
XXE_FILES = {
    "xxe_base64.xml": (1, 1),  # parameter entity from a data: URL
    "xxe_dos.xml": (3, 1),  # billion laughs, after a comment and a blank line
    "xxe_entity.xml": (2, 1),  # internal entity
    "xxe_file.xml": (2, 1),  # external entity to a file
    "xxe_remote.xml": (2, 1),  # external entity to a URL
}

PARSER_ENTRY_POINTS = ("iterparse", "parse", "fromstring", "XML", "XMLParser", "XMLSchema")


def test_the_five_vectors_are_there():
    assert sorted(p.name for p in XXE_DIR.glob("*.xml")) == sorted(XXE_FILES)


def forbid_parsers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any use of an lxml parser fails the test: the refusal must come before it."""

    def forbidden(*args, **kwargs):
        raise AssertionError("un analyseur XML a été appelé")

    for name in PARSER_ENTRY_POINTS:
        monkeypatch.setattr(etree, name, forbidden)


@pytest.fixture
def no_xml_parser(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    forbid_parsers(monkeypatch)
    return monkeypatch


def deposit(data: bytes, name: str = "flux.xml", org=None) -> Deposit:
    receipt = services.receive(io.BytesIO(data), name, Channel.CLI, org, enqueue=False)
    processing.process(receipt.deposit.pk)
    receipt.deposit.refresh_from_db()
    return receipt.deposit


# ---------------------------------------------------------------------------------------
# The five XXE vectors: refused for their DOCTYPE, before any parser


@pytest.mark.parametrize("name", sorted(XXE_FILES))
def test_xxe_vector_refused_by_the_precheck_for_its_doctype(name: str, no_xml_parser):
    line, column = XXE_FILES[name]
    with open(XXE_DIR / name, "rb") as fh:
        assert precheck(fh) == Rejection(DOCTYPE, line, column)
    result = validate_file(XXE_DIR / name)
    assert result.problems == [Problem(line, column, DOCTYPE)]
    assert not result.valid


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize("name", sorted(XXE_FILES))
def test_xxe_vector_deposited_is_rejected_for_its_doctype(name: str, no_xml_parser):
    d = deposit((XXE_DIR / name).read_bytes(), name)
    no_xml_parser.undo()
    assert d.status == DepositStatus.REJECTED
    line, column = XXE_FILES[name]
    report = read_report(services.report_bytes(d))
    assert report.errors == [FileError("XSD", DOCTYPE, line, column)]
    assert report.file_name == name
    assert d.file_errors == [{"type": "XSD", "message": DOCTYPE, "line": line, "column": column}]


# ---------------------------------------------------------------------------------------
# The second barrier: our parser settings alone, fed the hostile bodies


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that answers with a marker and records every request."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b'<!ENTITY leak "HTTP-MARKER">' if self.path.endswith(".dtd") else b"HTTP-MARKER"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("FILE-MARKER")
    return path


def hostile_bodies(url: str, secret: Path) -> dict[str, bytes]:
    """Bodies whose entity or DTD, if ever loaded, leaves a trace (a marker or a request)."""
    file_url = secret.as_uri()
    sample_with_entity = SAMPLE.replace(
        b"?>\n",
        f'?>\n<!DOCTYPE cpf:flux [<!ENTITY xxe SYSTEM "{file_url}">]>\n'.encode(),
        1,
    ).replace(b">Dupont</cpf:nomNaissance>", b">&xxe;</cpf:nomNaissance>")
    bodies = {
        "entite-fichier": f'<!DOCTYPE r [<!ENTITY e SYSTEM "{file_url}">]>\n<r>&e;</r>',
        "entite-url": f'<!DOCTYPE r [<!ENTITY e SYSTEM "{url}/note.xml">]>\n<r>&e;</r>',
        "entite-parametre-url": f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/evil.dtd"> %p; ]>\n'
        "<r>&leak;</r>",
        "dtd-externe": f'<!DOCTYPE r SYSTEM "{url}/external.dtd">\n<r>&leak;</r>',
        "entite-dans-attribut": f'<!DOCTYPE r [<!ENTITY e SYSTEM "{file_url}">]>\n<r a="&e;"/>',
        "xsi-schemaLocation": SAMPLE.replace(
            b"<cpf:flux ",
            f'<cpf:flux xsi:schemaLocation="urn:cdc:cpf:pc5:schema:1.0.0 {url}/flux.xsd" '.encode(),
        ),
    }
    out = {k: v.encode() if isinstance(v, str) else v for k, v in bodies.items()}
    out["echantillon-entite-nomNaissance"] = sample_with_entity
    for name in XXE_FILES:
        out[name] = (XXE_DIR / name).read_bytes()
    return out


HOSTILE_IDS = [
    "entite-fichier",
    "entite-url",
    "entite-parametre-url",
    "dtd-externe",
    "entite-dans-attribut",
    "xsi-schemaLocation",
    "echantillon-entite-nomNaissance",
    *sorted(XXE_FILES),
]


def _everything_read(path: Path, data: bytes) -> str:
    """All a parser with our settings lets through: tree, streamed text, schema verdicts."""
    seen: list[str] = []
    try:
        root = etree.fromstring(data, etree.XMLParser(**PARSER_OPTIONS))
        seen.append(etree.tostring(root, encoding="unicode"))
        seen.extend(root.itertext())
        try:
            flux_schema().validate(root)
        except etree.XMLSchemaValidateError:
            pass  # libxml2 does not validate unexpanded entities
    except etree.XMLSyntaxError as exc:
        seen.append(str(exc))
    try:
        for _, el in etree.iterparse(str(path), events=("end",), **PARSER_OPTIONS):
            seen.append(el.text or "")
            seen.extend(el.attrib.values())
    except etree.XMLSyntaxError as exc:
        seen.append(str(exc))
    try:
        for passage in FluxReader(path).passages():
            seen.append(repr(passage))
    except SchemaInvalid:
        pass
    seen.extend(e.message for e in list_errors(path))
    return "\n".join(seen)


@pytest.mark.parametrize("name", HOSTILE_IDS)
def test_parser_settings_alone_never_load_an_entity_or_dtd(
    name: str, listener, secret: Path, tmp_path: Path
):
    url, hits = listener
    data = hostile_bodies(url, secret)[name]
    path = tmp_path / "flux.xml"
    path.write_bytes(data)
    text = _everything_read(path, data)
    assert "FILE-MARKER" not in text
    assert "HTTP-MARKER" not in text
    assert hits == []


def test_the_traps_would_show_a_leak(listener, secret: Path):
    """A parser allowed to load entities reads the secret; a request reaches the listener
    (this libxml2 may have no HTTP client at all: the listener then only proves silence)."""
    url, hits = listener
    data = f'<!DOCTYPE r [<!ENTITY e SYSTEM "{secret.as_uri()}">]><r>&e;</r>'.encode()
    leaky = etree.XMLParser(resolve_entities=True, no_network=False, load_dtd=True)
    assert etree.fromstring(data, leaky).text == "FILE-MARKER"
    with urllib.request.urlopen(f"{url}/note.xml") as answer:  # noqa: S310 (local)
        assert answer.read() == b"HTTP-MARKER"
    assert hits == ["/note.xml"]


def test_official_sample_with_an_external_entity_in_nomNaissance_is_refused(
    secret: Path, no_xml_parser
):
    data = hostile_bodies("http://127.0.0.1:9", secret)["echantillon-entite-nomNaissance"]
    assert precheck(io.BytesIO(data)) == Rejection(DOCTYPE, 2, 1)


def test_without_the_precheck_the_entity_in_nomNaissance_still_fails_the_schema(
    secret: Path, tmp_path: Path
):
    path = tmp_path / "flux.xml"
    path.write_bytes(
        hostile_bodies("http://127.0.0.1:9", secret)["echantillon-entite-nomNaissance"]
    )
    with pytest.raises(SchemaInvalid):
        FluxReader(path).scan()
    message = (
        "cvc : L'élément 'cpf:passageCertification' ne peut pas être validé : il contient une "
        "référence d'entité, et les entités ne sont pas acceptées."
    )
    assert [(e.line, e.column, e.message) for e in list_errors(path)] == [
        (18, 22, message),
        (125, 22, message),
    ]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_official_sample_with_an_entity_deposited_creates_nothing(
    secret: Path, monkeypatch: pytest.MonkeyPatch
):
    """Everything the sample needs is registered: only the DOCTYPE stops it."""
    world = official_sample_world()
    data = hostile_bodies("http://127.0.0.1:9", secret)["echantillon-entite-nomNaissance"]
    forbid_parsers(monkeypatch)
    d = deposit(data, "echantillon.xml", world["depositor"])
    monkeypatch.undo()
    assert d.status == DepositStatus.REJECTED
    assert read_report(services.report_bytes(d)).errors == [FileError("XSD", DOCTYPE, 2, 1)]
    assert CertificationItem.objects.count() == 0


# ---------------------------------------------------------------------------------------
# Billion laughs: memory stays flat

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from lxml import etree
from passeport.certifiers.parsing import PARSER_OPTIONS
from passeport.certifiers.reader import FluxReader, SchemaInvalid
from passeport.certifiers.schema import flux_schema, list_errors
flux_schema()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
path = sys.argv[1]
try:
    etree.parse(path, etree.XMLParser(**PARSER_OPTIONS))
except etree.XMLSyntaxError:
    pass
try:
    for _ in etree.iterparse(path, **PARSER_OPTIONS):
        pass
except etree.XMLSyntaxError:
    pass
try:
    FluxReader(path).scan()
except SchemaInvalid:
    pass
list_errors(path)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def _bomb(levels: int, width: int) -> bytes:
    """An entity expanding to ``width ** levels`` copies of "lol" (10 ** 10: 30 Go)."""
    decls = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * width}">' for i in range(1, levels + 1)
    ]
    return f"<!DOCTYPE r [{''.join(decls)}]>\n<r>&l{levels};</r>".encode()


@pytest.mark.parametrize(
    "body",
    [(XXE_DIR / "xxe_dos.xml").read_bytes(), _bomb(10, 10)],
    ids=["xxe_dos", "10-puissance-10"],
)
def test_billion_laughs_keeps_memory_flat(body: bytes, tmp_path: Path):
    """Read without the precheck by every parsing path, in a child process limited to 1 Go
    of address space: its peak memory grows by less than 20 Mo."""
    assert precheck(io.BytesIO(body)).message == DOCTYPE
    path = tmp_path / "bomb.xml"
    path.write_bytes(body)
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.strip()) < 20_000  # kilo-octets


# ---------------------------------------------------------------------------------------
# Limits: each refusal with its precise message and position

UTF8 = (
    "Le fichier contient des octets qui ne forment pas de l'UTF-8 valide : il doit être "
    "encodé en UTF-8."
)
LIMITS = {
    "vide": (b"", "Le fichier est vide : aucun contenu XML n'a été reçu.", 1, 1),
    "espaces-seuls": (b" \n\t\n", "Le fichier est vide : aucun contenu XML n'a été reçu.", 1, 1),
    "non-XML": (
        b"idFlux;horodatage\n6e3c7378;2020-12-18\n",
        "Le fichier n'est pas un document XML : il doit commencer par "
        '<?xml version="1.0" encoding="UTF-8"?>.',
        1,
        1,
    ),
    "UTF-16": (
        SAMPLE.decode().encode("utf-16"),
        "Le fichier est encodé en UTF-16 : seul l'encodage UTF-8 est accepté.",
        1,
        1,
    ),
    "UTF-16-sans-BOM": (
        SAMPLE.decode().encode("utf-16-be"),
        "Le fichier est encodé en UTF-16 : seul l'encodage UTF-8 est accepté.",
        1,
        1,
    ),
    "UTF-32": (
        SAMPLE.decode().encode("utf-32"),
        "Le fichier est encodé en UTF-32 : seul l'encodage UTF-8 est accepté.",
        1,
        1,
    ),
    "ISO-8859-1-declare": (
        SAMPLE.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"').decode().encode("latin-1"),
        "L'encodage « ISO-8859-1 » n'est pas accepté : le fichier doit être encodé en UTF-8.",
        1,
        31,
    ),
    "octets-UTF-8-invalides": (SAMPLE.replace(b"Toulouse", b"Toul\xe9ouse", 1), UTF8, 71, 64),
    "latin-1-non-declare": (SAMPLE.decode().encode("latin-1"), UTF8, 20, 54),
    "XML-1.1": (
        SAMPLE.replace(b'version="1.0"', b'version="1.1"'),
        "La version XML « 1.1 » n'est pas acceptée : seule la version 1.0 l'est.",
        1,
        16,
    ),
    "XML-2.0": (
        SAMPLE.replace(b'version="1.0"', b'version="2.0"'),
        "La version XML « 2.0 » n'est pas acceptée : seule la version 1.0 l'est.",
        1,
        16,
    ),
    "declaration-sans-version": (
        SAMPLE.replace(b'version="1.0" ', b""),
        'La déclaration XML doit indiquer la version (version="1.0").',
        1,
        1,
    ),
    "double-tiret-dans-commentaire": (
        SAMPLE.replace(b"<cpf:emetteur>", b"<!-- a -- b --><cpf:emetteur>", 1),
        'La chaîne "--" n\'est pas autorisée dans les commentaires.',
        5,
        11,
    ),
    "balise-de-fin-differente": (
        SAMPLE.replace(b"</cpf:idClient>", b"</cpf:idClientX>", 1),
        'Le type d\'élément "cpf:idClient" doit se terminer par la balise de fin '
        'correspondante "</cpf:idClient>".',
        6,
        45,
    ),
    "fichier-tronque": (
        SAMPLE[:3000],
        'Le type d\'élément "cpf:mentionValidee" doit se terminer par la balise de fin '
        'correspondante "</cpf:mentionValidee>".',
        48,
        53,
    ),
    "entite-non-declaree": (
        SAMPLE.replace(b">Dupont</cpf:nomNaissance>", b">&ent;</cpf:nomNaissance>", 1),
        "L'entité « ent » n'est pas déclarée : les entités ne sont pas acceptées.",
        57,
        54,
    ),
    "esperluette-seule": (
        SAMPLE.replace(b">Dupont</cpf:nomNaissance>", b">Du & Pont</cpf:nomNaissance>", 1),
        "Le caractère « & » doit être écrit &amp; : il n'introduit ici aucune référence d'entité.",
        57,
        53,
    ),
    "prefixe-non-declare": (
        SAMPLE.replace(b"<cpf:sexe>M</cpf:sexe>", b"<zz:sexe>M</zz:sexe>", 1),
        'Le préfixe "zz" de l\'élément "zz:sexe" n\'est pas déclaré.',
        65,
        39,
    ),
    "prefixe-d-attribut-non-declare": (
        SAMPLE.replace(b"<cpf:verbatim>", b'<cpf:verbatim a:b="1">', 1),
        'Le préfixe "a" de l\'attribut "a:b" de l\'élément "verbatim" n\'est pas déclaré.',
        75,
        46,
    ),
    "deux-racines": (
        SAMPLE + b"<cpf:flux/>\n",
        "Du contenu suit la fin de l'élément racine : un seul élément racine est permis.",
        191,
        1,
    ),
    "espace-manquant-declaration": (
        SAMPLE.replace(b'"1.0" encoding', b'"1.0"encoding', 1),
        "Un espace est obligatoire entre les données et la cible de l'instruction de traitement.",
        1,
        20,
    ),
    "doctype-apres-long-commentaire": (
        SAMPLE.replace(
            b"?>\n", b"?>\n<!--" + b" <a> " * 20_000 + b'-->\n<!DOCTYPE cpf:flux SYSTEM "x">\n', 1
        ),
        DOCTYPE,
        3,
        1,
    ),
}


@pytest.mark.parametrize("name", list(LIMITS))
def test_limit_refused_locally_with_message_and_position(name: str, tmp_path: Path):
    data, message, line, column = LIMITS[name]
    path = tmp_path / "flux.xml"
    path.write_bytes(data)
    result = validate_file(path)
    assert result.problems == [Problem(line, column, message)]


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize("name", list(LIMITS))
def test_limit_refused_through_the_pipeline(name: str):
    data, message, line, column = LIMITS[name]
    d = deposit(data, f"{name}.xml")
    assert d.status == DepositStatus.REJECTED
    report = read_report(services.report_bytes(d))
    assert report.file_name == f"{name}.xml"
    assert report.id_traitement == d.pk
    assert report.errors == [FileError("XSD", message, line, column)]
    assert (report.ok, report.ko) == ([], [])


# ---------------------------------------------------------------------------------------
# Oversize: refused at reception, nothing stored


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize(
    ("limit", "label"), [(1000, "1000 octets"), (1_000_000, "1 Mo")], ids=["octets", "Mo"]
)
def test_oversize_refused_at_reception_and_nothing_stored(settings, limit: int, label: str):
    settings.PASSEPORT = {**settings.PASSEPORT, "DEPOSIT_MAX_BYTES": limit}
    data = SAMPLE.replace(b"</cpf:flux>", b"<!--" + b"x" * limit + b"--></cpf:flux>")
    with pytest.raises(InputError) as caught:
        services.receive(io.BytesIO(data), "gros.xml", Channel.CLI, None, enqueue=False)
    assert caught.value.message == f"Le fichier dépasse la taille maximale autorisée ({label})."
    assert str(caught.value) == caught.value.message
    assert Deposit.objects.count() == 0
    name = storage.name_for("depots", hashlib.sha256(data).hexdigest())
    assert not storage.raw_storage().exists(name)


@pytest.mark.django_db(databases="__all__")
def test_file_at_the_size_limit_is_received(settings):
    settings.PASSEPORT = {**settings.PASSEPORT, "DEPOSIT_MAX_BYTES": len(SAMPLE)}
    receipt = services.receive(io.BytesIO(SAMPLE), "juste.xml", Channel.CLI, None, enqueue=False)
    assert receipt.deposit.size == len(SAMPLE)
    assert storage.raw_storage().exists(receipt.deposit.raw_name)
