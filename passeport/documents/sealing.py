"""Sealing PDFs PAdES-B-LT with pyHanko, and checking a seal (no HTTP here).

The operator's seal signs; an RFC 3161 timestamp dates the signature; the certificates and
revocation information (CRL) needed to validate it later are embedded (the document
security store), so that the seal can be checked years after, offline.

Configuration (environment): the seal as ``PASSEPORT_SCEAU_P12`` and
``PASSEPORT_SCEAU_MOT_DE_PASSE``, or on a PKCS#11 token (``PASSEPORT_SCEAU_PKCS11_MODULE``,
``…_JETON``, ``…_PIN``, ``…_CLE`` and the certificate ``PASSEPORT_SCEAU_CERTIFICAT``);
``PASSEPORT_SCEAU_RACINE`` (the trust anchor, PEM), ``PASSEPORT_HORODATAGE_URL``
(the timestamp authority). Without them, outside production only, the demo PKI
(``demo_pki``) and its local timestamp authority stand in; in production they are required.
"""

import asyncio
import functools
import io
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import cms, core
from asn1crypto import crl as asn1_crl
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import general, signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    PreSignValidationStatus,
    SigDSSPlacementPreference,
)
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from passeport.documents import demo_pki

FIELD = "CachetPasseport"
# How long the seal's checked chain and revocation data are reused before checking again
# (sooner when the CRL expires): a revoked seal stops sealing within this delay.
RECHECK = timedelta(minutes=10)


@dataclass
class _Prepared:
    """What every seal with one setup shares: the seal's and the timestamp authority's
    validated chains and revocation data (the DSS content), and the room for the CMS."""

    info: PreSignValidationStatus
    reserved: int
    until: datetime


@dataclass(frozen=True)
class SealSetup:
    signer: signers.Signer
    timestamper: timestamps.TimeStamper
    trust_roots: tuple
    crls: tuple
    demo: bool
    root_path: Path | None
    prepared: list[_Prepared] = field(default_factory=list, compare=False)


class DemoTimeStamper(DummyTimeStamper):
    """pyHanko's local timestamp authority (demo PKI only), its RSA key parsed once:
    pyHanko parses and checks it again for every token, 30 ms each time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._private_key = serialization.load_der_private_key(self.tsa_key.dump(), None)

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime):
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                general.simple_cms_attribute("content_type", "tst_info"),
                general.simple_cms_attribute(
                    "signing_time", cms.Time({"utc_time": core.UTCTime(dt)})
                ),
                general.simple_cms_attribute(
                    "signing_certificate", general.as_signing_certificate(self.tsa_cert)
                ),
                general.simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._private_key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs


def pkcs11_signer(module: str, token: str, pin: str, key_label: str, certificate: str):
    """The seal's key on a PKCS#11 token (an HSM in production; SoftHSM in the tests)."""
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11

    session = pkcs11.open_pkcs11_session(
        module, token_criteria=TokenCriteria(label=token), user_pin=pin
    )
    return pkcs11.PKCS11Signer(
        session,
        key_label=key_label,
        signing_cert=load_cert_from_pemder(certificate),
        use_raw_mechanism=True,  # hash here, sign on the token: what every HSM offers
    )


def _environment_signer() -> signers.Signer:
    module = os.environ.get("PASSEPORT_SCEAU_PKCS11_MODULE")
    if module:
        return pkcs11_signer(
            module,
            os.environ["PASSEPORT_SCEAU_PKCS11_JETON"],
            os.environ["PASSEPORT_SCEAU_PKCS11_PIN"],
            os.environ["PASSEPORT_SCEAU_PKCS11_CLE"],
            os.environ["PASSEPORT_SCEAU_CERTIFICAT"],
        )
    password = os.environ.get("PASSEPORT_SCEAU_MOT_DE_PASSE", "").encode()
    return signers.SimpleSigner.load_pkcs12(os.environ["PASSEPORT_SCEAU_P12"], passphrase=password)


@functools.cache
def setup() -> SealSetup:
    if os.environ.get("PASSEPORT_SCEAU_P12") or os.environ.get("PASSEPORT_SCEAU_PKCS11_MODULE"):
        root = Path(os.environ["PASSEPORT_SCEAU_RACINE"])
        return SealSetup(
            signer=_environment_signer(),
            timestamper=timestamps.HTTPTimeStamper(os.environ["PASSEPORT_HORODATAGE_URL"]),
            trust_roots=(load_cert_from_pemder(str(root)),),
            crls=(),
            demo=False,
            root_path=root,
        )
    if settings.PRODUCTION:
        raise ImproperlyConfigured(
            "Ni PASSEPORT_SCEAU_P12 ni PASSEPORT_SCEAU_PKCS11_MODULE : pas de cachet en production."
        )
    pki = demo_pki.ensure(settings.VAR_DIR / "pki-demo")
    # The demo CRL is given, not fetched: pyHanko's warning about it says nothing useful.
    logging.getLogger("pyhanko.sign.signers.pdf_signer").setLevel(logging.ERROR)
    root = load_cert_from_pemder(str(pki.root))
    tsa_cert = load_cert_from_pemder(str(pki.tsa_cert))
    return SealSetup(
        signer=signers.SimpleSigner.load_pkcs12(str(pki.seal_p12), passphrase=pki.seal_password),
        timestamper=DemoTimeStamper(
            tsa_cert=tsa_cert,
            tsa_key=load_private_key_from_pemder(str(pki.tsa_key), passphrase=None),
            certs_to_embed=SimpleCertificateStore.from_certs([tsa_cert, root]),
        ),
        trust_roots=(root,),
        crls=(asn1_crl.CertificateList.load(pki.crl.read_bytes()),),
        demo=True,
        root_path=pki.root,
    )


def _validation_context(s: SealSetup) -> ValidationContext:
    return ValidationContext(
        trust_roots=list(s.trust_roots),
        crls=list(s.crls),
        allow_fetching=not s.demo,
        revocation_mode="hard-fail",
    )


def seal(
    pdf: bytes, reason: str = "Document émis par le Passeport", using: SealSetup | None = None
) -> bytes:
    """``pdf`` sealed PAdES-B-LT (signature, timestamp, validation data embedded)."""
    return asyncio.run(_seal(pdf, reason, using or setup()))


async def _seal(pdf: bytes, reason: str, s: SealSetup) -> bytes:
    """pyHanko's signing steps, with what does not change between two seals done once per
    ``RECHECK`` (validating both chains, a dummy timestamp, sizing the CMS: two thirds of a
    seal otherwise). The validation data goes in the signed revision itself: one
    incremental update, which any validator can read."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        reason=reason,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=True,
        use_pades_lta=False,
        validation_context=_validation_context(s),
        dss_settings=DSSContentSettings(
            placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False
        ),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    pdf_signer = signers.PdfSigner(meta, signer=s.signer, timestamper=s.timestamper)
    session = pdf_signer.init_signing_session(writer)
    now = datetime.now(UTC)
    if not s.prepared or s.prepared[0].until <= now:
        info = await session.perform_presign_validation(writer)
        expiries = [
            t for c in info.crls_to_embed if (t := c["tbs_cert_list"]["next_update"].native)
        ]
        s.prepared[:] = [
            _Prepared(
                info,
                await session.estimate_signature_container_size(info),
                min([now + RECHECK, *expiries]),
            )
        ]
    prepared = s.prepared[0]
    tbs = session.prepare_tbs_document(
        validation_info=prepared.info, bytes_reserved=prepared.reserved
    )
    digest, output = tbs.digest_tbs_document()
    signed = await tbs.perform_signature(
        document_digest=digest.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=session.system_time),
    )
    await signed.post_signature_processing(output)
    return output.getvalue()


@dataclass
class SealCheck:
    """What a verifier needs to say of a PDF's seal."""

    signed: bool
    intact: bool = False  # the signed bytes are unchanged
    trusted: bool = False  # the signer chains to our trust anchor, not revoked
    timestamped: bool = False
    covers_whole_file: bool = False  # nothing but validation data added after the seal
    signer: str = ""
    reason: str = ""

    @property
    def valid(self) -> bool:
        return (
            self.signed
            and self.intact
            and self.trusted
            and self.timestamped
            and (self.covers_whole_file)
        )


def check(pdf: bytes, *, known_bytes: bool = False) -> SealCheck:
    """``known_bytes``: these exact bytes are in our registry (SHA-256), so nothing was
    appended since we sealed them; pyHanko's analysis of later revisions (the costliest
    step) is skipped. Any other file gets it in full."""
    s = setup()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - any unreadable file is "not a sealed PDF"
        return SealCheck(False, reason=f"PDF illisible : {exc}")
    ours = [sig for sig in signatures if sig.field_name == FIELD]
    if not ours:
        return SealCheck(False, reason="aucun cachet du Passeport dans ce PDF")
    sig = ours[-1]
    try:
        # Long-term: the certificates and CRLs come from the document itself (its DSS),
        # only the trust anchor from us; nothing is fetched.
        context = DocumentSecurityStore.read_dss(reader).as_validation_context(
            {
                "trust_roots": list(s.trust_roots),
                "allow_fetching": False,
                "revocation_mode": "hard-fail",
            }
        )
        status = validate_pdf_signature(
            sig,
            signer_validation_context=context,
            ts_validation_context=context,
            key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}),
            skip_diff=known_bytes,
        )
    except Exception as exc:  # noqa: BLE001 - a broken seal is a verdict, not a crash
        return SealCheck(True, reason=f"cachet invérifiable : {exc}")
    coverage = getattr(status.coverage, "name", str(status.coverage))
    level = getattr(status.modification_level, "name", "")
    untouched = (
        coverage == "ENTIRE_FILE"
        or (coverage == "ENTIRE_REVISION" and (known_bytes or level in ("NONE", "LTA_UPDATES")))
    ) and status.docmdp_ok is not False
    return SealCheck(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        timestamped=status.timestamp_validity is not None
        and bool(status.timestamp_validity.intact and status.timestamp_validity.trusted),
        covers_whole_file=bool(untouched),
        signer=status.signing_cert.subject.human_friendly,
        reason="" if status.bottom_line else str(status.summary()),
    )
