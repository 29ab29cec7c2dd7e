"""Issuing a CV: freeze its content, render, seal, sign, register, log (no HTTP here).

One issuance = a W3C VC 2.0 of the CV's content (each item with ``garanti`` or ``declare``
and its provenance), signed ``eddsa-rdfc-2022`` with a revocation status entry; a PDF
rendered by WeasyPrint from the chosen template, with a QR code and the short URL of the
verification page, the VC attached as ``cv.json``; the PDF sealed PAdES-B-LT; the document
recorded in the registry and its hash appended to the transparency log. A new version of a
CV supersedes the previous one.
"""

import hashlib
import json
import uuid

import weasyprint
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from passeport.documents import multikey, rendering, sealing, status_list, transparency, vc_model
from passeport.documents.models import Cv, IssuedDocument
from passeport.records import timeline
from passeport.records.models import CertificationItem


class IssueError(ValueError):
    pass


def storage():
    return storages["documents"]


def _issuer() -> str:
    return settings.PUBLIC_URL + "/emetteur"


def _key():
    return multikey.private_key(settings.CREDENTIAL_KEY)


def verify_url(credential_id: str) -> str:
    return f"{settings.PUBLIC_URL}/v/{credential_id.removeprefix('urn:uuid:')}"


def status_list_url(purpose: str = "revocation") -> str:
    return f"{settings.PUBLIC_URL}/statuts/{purpose}"


def offered_entries(holder) -> list[timeline.Entry]:
    """What a document may show: the holder's items but those hidden from documents."""
    return [e for e in timeline.timeline(holder) if not e.hidden]


def selected_entries(cv: Cv) -> list[timeline.Entry]:
    """The CV's items, in its order, among those offered."""
    entries = {(e.source, e.pk): e for e in offered_entries(cv.holder)}
    return [entries[(i["source"], i["pk"])] for i in cv.items if (i["source"], i["pk"]) in entries]


def _period(entry: timeline.Entry) -> str:
    start = entry.start.strftime("%m/%Y")
    return f"{start} – {entry.end.strftime('%m/%Y')}" if entry.end else _("depuis %s") % start


def credential_document(cv: Cv, entries: list[timeline.Entry], credential_id: str, index: int):
    holder = cv.holder
    return {
        "@context": [vc_model.V2],
        "id": credential_id,
        "type": ["VerifiableCredential", "urn:passeport:CurriculumVitae"],
        "name": cv.title,
        "validFrom": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "name": f"{' '.join(filter(None, (holder.first_name1, holder.first_name2)))} "
            f"{holder.usage_name or holder.birth_name}",
            "urn:passeport:items": [
                {
                    "name": e.title,
                    "description": e.subtitle,
                    "urn:passeport:kind": e.kind,
                    "urn:passeport:trust": e.trust,
                    "urn:passeport:origin": e.origin,
                    "urn:passeport:start": e.start.isoformat(),
                    "urn:passeport:end": e.end.isoformat() if e.end else "",
                }
                for e in entries
            ],
        },
        "credentialStatus": [
            {
                "id": f"{status_list_url(purpose)}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(index),
                "statusListCredential": status_list_url(purpose),
            }
            for purpose in status_list.PURPOSES
        ],
    }


def cv_html(cv: Cv, entries: list[timeline.Entry], credential: dict) -> str:
    url = verify_url(credential["id"])
    groups: dict[str, list] = {}
    for e in entries:
        groups.setdefault(e.kind_label, []).append(
            {
                "title": e.title,
                "subtitle": e.subtitle,
                "guaranteed": e.guaranteed,
                "origin": e.origin,
                "period": _period(e),
            }
        )
    return render_to_string(
        "documents/cv.html",
        {
            "cv": cv,
            "holder_name": credential["credentialSubject"]["name"],
            "contacts": [v for v in (cv.email, cv.phone, cv.city) if v],
            "groups": [{"label": k, "items": v} for k, v in groups.items()],
            "verify_url": url,
            "qr": rendering.qr_data_uri(url),
        },
    )


def render_pdf(
    cv: Cv, entries: list[timeline.Entry], credential: dict, template: str | None = None
) -> bytes:
    attachment = weasyprint.Attachment(
        string=json.dumps(credential, ensure_ascii=False, indent=2),
        name="cv.json",
        description="Attestation vérifiable (W3C VC 2.0) du contenu de ce CV",
    )
    html = cv_html(cv, entries, credential)
    return rendering.html_to_pdf(html, template or cv.template, [attachment])


def issue_cv(cv: Cv) -> IssuedDocument:
    entries = selected_entries(cv)
    if not entries:
        raise IssueError(_("Choisissez au moins un élément de votre parcours."))
    return _issue(
        cv.holder,
        IssuedDocument.Kind.CV,
        cv.title,
        lambda cid, index: credential_document(cv, entries, cid, index),
        lambda credential: render_pdf(cv, entries, credential),
        cv=cv,
    )


def issue_attestation(item: CertificationItem) -> IssuedDocument:
    """A sealed attestation of one guaranteed certification (PDF + VC), same machinery."""
    entry = next(
        e for e in timeline.timeline(item.holder)
        if e.source == timeline.CERTIFICATION and e.pk == item.pk
    )  # fmt: skip
    title = _("Attestation : %(title)s") % {"title": entry.title}

    def document(credential_id: str, index: int) -> dict:
        vc = credential_document(Cv(holder=item.holder, title=title), [entry], credential_id, index)
        vc["type"] = ["VerifiableCredential", "urn:passeport:CertificationAttestation"]
        vc["credentialSubject"]["urn:passeport:items"][0].update(
            {"urn:passeport:code": f"{item.cert_type} {item.code}"}
        )
        return vc

    def render(credential: dict) -> bytes:
        cv = Cv(holder=item.holder, title=title, template="classique")
        return render_pdf(cv, [entry], credential, template="attestation")

    return _issue(item.holder, IssuedDocument.Kind.ATTESTATION, title, document, render)


def _issue(holder, kind, title, build, render, cv: Cv | None = None) -> IssuedDocument:
    """VC signed, PDF rendered and sealed, registered and logged; one transaction."""
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    with transaction.atomic():
        index = (IssuedDocument.objects.aggregate(m=Max("status_index"))["m"] or 0) + 1
        credential = vc_model.issue(build(credential_id, index), _key(), _issuer())
        pdf = sealing.seal(render(credential), reason=str(_("Document émis par le Passeport")))
        now = timezone.now()
        sha256 = hashlib.sha256(pdf).hexdigest()
        entry = transparency.append(sha256, credential_id, now)
        name = storage().save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf))
        previous = IssuedDocument.objects.none()
        if cv is not None:
            previous = IssuedDocument.objects.filter(cv=cv, superseded_by=None)
        last = previous.order_by("-version").first()
        document = IssuedDocument.objects.create(
            holder=holder,
            kind=kind,
            cv=cv,
            version=(last.version + 1) if last else 1,
            title=title,
            credential_id=credential_id,
            credential=credential,
            sha256=sha256,
            stored_name=name,
            status_index=index,
            log_index=entry.index,
            issued_at=now,
        )
        previous.exclude(pk=document.pk).update(superseded_by=document)
    return document


def revoke(document: IssuedDocument) -> None:
    """The holder withdraws an issued document for good: the registry and the published
    revocation list say so from now on (its share links show « révoqué »)."""
    if document.revoked_at is None:
        document.revoked_at = timezone.now()
        document.save(update_fields=["revoked_at"])


def suspend(document: IssuedDocument, suspended: bool) -> None:
    """Suspend an issued document for a while, or reinstate it (the suspension list)."""
    document.suspended_at = timezone.now() if suspended else None
    document.save(update_fields=["suspended_at"])


def status_list_credential(purpose: str) -> dict:
    """A status list every issued VC points to, built from the registry and signed.

    Every verifier fetches it: the signed list is kept (shared cache) as long as the set of
    flagged documents and the list's size stay the same, which the key says.
    """
    if purpose not in status_list.PURPOSES:
        raise IssueError(f"liste de statuts inconnue : {purpose}")
    field = "revoked_at" if purpose == "revocation" else "suspended_at"
    flagged = sorted(
        IssuedDocument.objects.exclude(**{field: None}).values_list("status_index", flat=True)
    )
    top = IssuedDocument.objects.aggregate(m=Max("status_index"))["m"] or 0
    size = max(status_list.MIN_ENTRIES, top + 1)
    digest = hashlib.sha256(json.dumps([size, flagged]).encode()).hexdigest()[:32]
    cache, key = caches["progress"], f"statuts:{purpose}:{digest}"
    signed = cache.get(key)
    if signed is None:
        bits = status_list.new_bits(size)
        for index in flagged:
            status_list.set_bit(bits, index)
        signed = status_list.list_credential(
            status_list_url(purpose), purpose, bits, _key(), _issuer()
        )
        cache.set(key, signed, 24 * 3600)
    return signed
