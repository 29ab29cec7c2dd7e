"""The demo PKI (demo and tests only, named as such everywhere): a root CA, the operator's
seal certificate, a timestamp authority certificate and the root's CRL.

Production seals with the operator's qualified seal (PKCS#12 file from the configuration);
nothing here is ever used there. Files go to ``<var>/pki-demo/``: ``racine-demo.pem`` (to
give to a verifier, e.g. ``pdfsig``), ``sceau-demo.p12`` (password in ``mot-de-passe``),
``horodatage-demo.pem`` / ``horodatage-demo.key.pem`` and ``racine-demo.crl``.
"""

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CRL_URL = "http://pki-demo.passeport.invalid/racine-demo.crl"
VALIDITY = dt.timedelta(days=3 * 365)


@dataclass(frozen=True)
class DemoPki:
    folder: Path
    root: Path
    seal_p12: Path
    seal_password: bytes
    tsa_cert: Path
    tsa_key: Path
    crl: Path


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Passeport — DÉMONSTRATION"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool, usage: dict, eku=None):
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if not ca:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(CRL_URL)], None, None, None
                    )
                ]
            ),
            critical=False,
        )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return builder.sign(signing_key, hashes.SHA256())


_NO = dict(
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def ensure(folder: Path) -> DemoPki:
    """The demo PKI in ``folder``, created once (then reused: a demo keeps verifying what it
    sealed yesterday)."""
    pki = DemoPki(
        folder=folder,
        root=folder / "racine-demo.pem",
        seal_p12=folder / "sceau-demo.p12",
        seal_password=b"",
        tsa_cert=folder / "horodatage-demo.pem",
        tsa_key=folder / "horodatage-demo.key.pem",
        crl=folder / "racine-demo.crl",
    )
    password_file = folder / "mot-de-passe"
    if all(p.exists() for p in (pki.root, pki.seal_p12, pki.tsa_cert, pki.tsa_key, pki.crl)):
        return DemoPki(**{**pki.__dict__, "seal_password": password_file.read_bytes()})
    folder.mkdir(parents=True, exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("Autorité racine DÉMONSTRATION Passeport")
    root = _certificate(
        root_name, root_name, root_key.public_key(), root_key, ca=True,
        usage={**_NO, "digital_signature": False, "key_cert_sign": True, "crl_sign": True},
    )  # fmt: skip
    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal = _certificate(
        _name("Cachet DÉMONSTRATION de l'opérateur du Passeport"), root_name,
        seal_key.public_key(), root_key, ca=False,
        usage={**_NO, "digital_signature": True, "content_commitment": True},
    )  # fmt: skip
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's local TSA
    tsa = _certificate(
        _name("Horodatage DÉMONSTRATION Passeport"), root_name, tsa_key.public_key(), root_key,
        ca=False, usage={**_NO, "digital_signature": True}, eku=[ExtendedKeyUsageOID.TIME_STAMPING],
    )  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_name)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + VALIDITY)
        .sign(root_key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(16).encode()
    pem = serialization.Encoding.PEM
    pki.root.write_bytes(root.public_bytes(pem))
    pki.crl.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    pki.tsa_cert.write_bytes(tsa.public_bytes(pem))
    pki.tsa_key.write_bytes(
        tsa_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    pki.tsa_key.chmod(0o600)
    pki.seal_p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"sceau-demo", seal_key, seal, [root],
            serialization.BestAvailableEncryption(password),
        )
    )  # fmt: skip
    pki.seal_p12.chmod(0o600)
    password_file.write_bytes(password)
    password_file.chmod(0o600)
    return DemoPki(**{**pki.__dict__, "seal_password": password})
