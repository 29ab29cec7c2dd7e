"""Verifying an issued document: a PDF, a VC, or one of our registered documents (no HTTP).

Checks, in order: the PAdES seal (intact, nothing appended but validation data, chained to
our trust anchor, timestamped), the registry (issued by us? revoked? superseded?), the
transparency log (the document's hash is in a signed tree), the attached VC (signature,
same credential as registered). Verdict in plain French: ``valide``, ``modifié``,
``révoqué``, ``émetteur inconnu``.
"""

import hashlib
import io
import json
from dataclasses import dataclass, field

from pyhanko.pdf_utils.reader import PdfFileReader

from passeport.documents import issuance, sealing, transparency, vc_model
from passeport.documents.models import IssuedDocument

VALID, MODIFIED, REVOKED, UNKNOWN = "valide", "modifié", "révoqué", "émetteur inconnu"
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Verdict:
    verdict: str
    checks: list[dict] = field(default_factory=list)
    document: dict | None = None

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append({"controle": name, "ok": ok, "detail": detail})
        return ok

    def as_json(self) -> dict:
        return {"verdict": self.verdict, "checks": self.checks, "document": self.document}


def summary(document: IssuedDocument) -> dict:
    subject = document.credential.get("credentialSubject", {})
    items = subject.get("urn:passeport:items", [])
    return {
        "titre": document.title,
        "nature": document.get_kind_display(),
        "version": document.version,
        "titulaire": subject.get("name"),
        "emisLe": document.issued_at.isoformat(),
        "attestation": document.credential_id,
        "sha256": document.sha256,
        "remplaceParUneVersionPlusRecente": document.superseded_by_id is not None,
        "elements": [
            {
                "intitule": i.get("name"),
                "detail": i.get("description"),
                "garanti": i.get("urn:passeport:trust") == "garanti",
                "source": i.get("urn:passeport:origin"),
            }
            for i in items
        ],
    }


def verify_pdf(data: bytes) -> Verdict:
    result = Verdict(UNKNOWN)
    if len(data) > MAX_BYTES:
        result.add("fichier", False, "fichier trop volumineux (20 Mo au plus)")
        return result
    if not data.startswith(b"%PDF-"):
        result.add("fichier", False, "ce fichier n'est pas un PDF")
        return result
    document = IssuedDocument.objects.filter(sha256=hashlib.sha256(data).hexdigest()).first()
    seal = sealing.check(data, known_bytes=document is not None)
    if not result.add("cachet présent", seal.signed, seal.reason):
        return result
    if not result.add("cachet intact", seal.intact and seal.covers_whole_file, seal.reason):
        result.verdict = MODIFIED
        return result
    if not result.add("certificat de l'opérateur", seal.trusted, seal.signer):
        return result
    result.add("horodatage", seal.timestamped)
    if not result.add("inscrit au registre", document is not None):
        result.verdict = MODIFIED  # sealed by us, but these are not the bytes we issued
        return result
    attached = _attached_credential(data)
    result.add(
        "attestation jointe",
        attached is not None
        and attached.get("id") == document.credential_id
        and vc_model.verify(attached, check_period=False)[0],
    )
    return _registry(result, document)


def verify_registered(document: IssuedDocument) -> Verdict:
    """For a share link or the QR code: our own stored copy, checked the same way."""
    return verify_pdf(issuance.storage().open(document.stored_name).read())


def verify_credential(credential) -> Verdict:
    result = Verdict(UNKNOWN)
    ok, problems = vc_model.verify(credential, check_period=False)
    if not result.add("signature de l'attestation", ok, "; ".join(problems)):
        result.verdict = MODIFIED if "signature invalide" in " ".join(problems) else UNKNOWN
        return result
    document = IssuedDocument.objects.filter(credential_id=credential.get("id")).first()
    if not result.add("inscrit au registre", document is not None):
        return result
    if document.credential != credential:
        result.add("identique à l'attestation émise", False)
        result.verdict = MODIFIED
        return result
    return _registry(result, document)


def _registry(result: Verdict, document: IssuedDocument) -> Verdict:
    result.document = summary(document)
    proof = transparency.inclusion(document.log_index, document.log_index + 1)
    result.add("journal de transparence", transparency.check_inclusion(proof))
    if document.superseded_by_id:
        result.add("version", True, "une version plus récente de ce CV a été émise")
    if not result.add("non révoqué", document.revoked_at is None):
        result.verdict = REVOKED
        return result
    if not result.add("non suspendu", document.suspended_at is None, "suspendu par son titulaire"):
        result.verdict = REVOKED  # not usable while suspended; the holder may reinstate it
        return result
    result.verdict = VALID if all(c["ok"] for c in result.checks) else MODIFIED
    return result


def _attached_credential(data: bytes) -> dict | None:
    try:
        names = PdfFileReader(io.BytesIO(data), strict=False).root["/Names"]["/EmbeddedFiles"]
        pairs = names["/Names"]
        for i in range(0, len(pairs), 2):
            if str(pairs[i]) == "cv.json":
                stream = pairs[i + 1]["/EF"]["/F"]
                return json.loads(stream.data)
    except Exception:  # noqa: BLE001 - no readable attachment: reported as a failed check
        return None
    return None
