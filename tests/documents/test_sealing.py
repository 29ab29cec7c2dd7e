"""PAdES-B-LT seals with the demo PKI: checked by us and, independently, by poppler's
``pdfsig`` given the demo root; every kind of tampering gets its verdict."""

import io
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import weasyprint
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers

from passeport.documents import demo_pki, sealing


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return weasyprint.HTML(string="<h1>CV de démonstration</h1><p>Garanti</p>").write_pdf()


@pytest.fixture(scope="module")
def sealed(pdf) -> bytes:
    return sealing.seal(pdf)


def test_a_sealed_pdf_is_valid_trusted_timestamped_and_long_term(sealed):
    result = sealing.check(sealed)
    assert result.valid, result
    assert "Cachet DÉMONSTRATION" in result.signer
    root = PdfFileReader(io.BytesIO(sealed)).root
    assert "/DSS" in root  # certificates and CRL embedded: B-LT
    assert root["/DSS"]["/CRLs"]


def test_the_checked_chain_is_reused_for_a_while_then_checked_again(pdf):
    """Validating the chains and sizing the CMS once per delay, not once per seal."""
    prepared = sealing.setup().prepared
    sealing.seal(pdf)
    first = prepared[0]
    crl = sealing.setup().crls[0]["tbs_cert_list"]["next_update"].native
    assert first.until <= min(datetime.now(UTC) + sealing.RECHECK, crl)
    sealing.seal(pdf)
    assert prepared[0] is first
    first.until = datetime.now(UTC) - timedelta(seconds=1)
    resealed = sealing.seal(pdf)
    assert prepared[0] is not first
    assert sealing.check(resealed).valid


def test_pdfsig_validates_the_seal_with_the_demo_root(sealed, tmp_path):
    assert shutil.which("pdfsig") and shutil.which("certutil"), "make system-deps les installe"
    nss = tmp_path / "nss"
    nss.mkdir()
    root = sealing.setup().root_path
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nss}", "-n", "racine-demo", "-t", "CT,C,C", "-i", root],
        check=True,
    )
    path = tmp_path / "cv.pdf"
    path.write_bytes(sealed)
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "Signature Validation: Signature is Valid." in out.stdout
    assert "Certificate Validation: Certificate is Trusted." in out.stdout
    tampered = tmp_path / "modifie.pdf"
    data = bytearray(sealed)
    position = sealed.index(b"/Producer")
    data[position + 1] = ord("p")
    tampered.write_bytes(bytes(data))
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(tampered)], capture_output=True, text=True
    )
    assert "Signature is Valid." not in out.stdout


def test_one_changed_byte_breaks_the_seal(sealed):
    data = bytearray(sealed)
    data[sealed.index(b"/Producer") + 1] = ord("p")
    result = sealing.check(bytes(data))
    assert result.signed and not result.intact and not result.valid


def test_an_appended_incremental_update_is_detected(sealed):
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.root["/Lang"] = generic.pdf_string("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = sealing.check(out.getvalue())
    assert result.intact and not result.covers_whole_file and not result.valid


def test_a_seal_by_another_certificate_is_not_trusted(pdf, tmp_path):
    other = demo_pki.ensure(tmp_path / "autre-pki")
    signer = signers.SimpleSigner.load_pkcs12(str(other.seal_p12), passphrase=other.seal_password)
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        signers.PdfSignatureMetadata(field_name=sealing.FIELD),
        signer=signer,
        output=out,
    )
    result = sealing.check(out.getvalue())
    assert result.signed and not result.trusted and not result.valid


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"%PDF-1.7\n", "PDF illisible"),
        (b"pas un PDF", "PDF illisible"),
    ],
)
def test_what_is_not_a_sealed_pdf_says_so(data, reason):
    result = sealing.check(data)
    assert not result.signed and result.reason.startswith(reason)


def test_an_unsealed_pdf_has_no_seal(pdf):
    assert sealing.check(pdf).reason == "aucun cachet du Passeport dans ce PDF"


def test_the_seal_key_can_live_on_a_pkcs11_token(pdf, tmp_path, monkeypatch):
    """SoftHSM stands in for the operator's HSM: the demo seal key is imported on a token,
    pyHanko signs through PKCS#11, the seal checks as valid."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    module = "/usr/lib/softhsm/libsofthsm2.so"
    assert shutil.which("softhsm2-util") and os.path.exists(module), "make system-deps"
    tokens = tmp_path / "jetons"
    tokens.mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    demo = sealing.setup()
    pki = demo_pki.ensure(demo.root_path.parent)  # the configured demo PKI: same seal key
    key, cert, _ = pkcs12.load_key_and_certificates(pki.seal_p12.read_bytes(), pki.seal_password)
    key_pem, cert_pem = tmp_path / "cle.pem", tmp_path / "cachet.pem"
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    run = lambda *a: subprocess.run(["softhsm2-util", *a], check=True, capture_output=True)  # noqa: E731
    run("--init-token", "--free", "--label", "cachet-demo", "--pin", "1234", "--so-pin", "5678")
    run(
        "--import", str(key_pem), "--token", "cachet-demo", "--label", "cle-cachet",
        "--id", "01", "--pin", "1234",
    )  # fmt: skip
    on_token = sealing.SealSetup(
        signer=sealing.pkcs11_signer(module, "cachet-demo", "1234", "cle-cachet", str(cert_pem)),
        timestamper=demo.timestamper,
        trust_roots=demo.trust_roots,
        crls=demo.crls,
        demo=True,
        root_path=demo.root_path,
    )
    result = sealing.check(sealing.seal(pdf, using=on_token))
    assert result.valid, result
