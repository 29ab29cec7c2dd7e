"""Reading a holder's passport: the JSON document the holder will download, journaled."""

from django.utils import timezone

from passeport.access import journal
from passeport.identity import nir as nirlib
from passeport.identity.models import Holder
from passeport.records.models import (
    CertificationItem,
    DeclaredItem,
    HiddenItem,
    ItemChange,
    TrustLevel,
)

FORMAT = "passeport/1.0"


class HolderNotFound(Exception):
    pass


def find_by_nir(raw_nir: str) -> Holder:
    try:
        nir13 = nirlib.normalize(raw_nir)
    except nirlib.InvalidNir as exc:
        raise nirlib.InvalidNir(f"NIR invalide : {exc}.") from exc
    holder = Holder.objects.filter(nir_hash=nirlib.lookup_hash(nir13)).first()
    if holder is None:
        raise HolderNotFound("Aucun titulaire n'a ce NIR dans le répertoire.")
    return holder


def _date(value):
    return value.isoformat() if value else None


def certification_json(item: CertificationItem) -> dict:
    return {
        "type": item.cert_type,
        "code": item.code,
        "intitule": item.label or None,
        "certificateur": {"bcr": item.certifier_bcr, "nom": item.certifier_name or None},
        "niveauConfiance": item.trust,
        "option": item.option or None,
        "obtention": item.obtention,
        "donneeCertifiee": item.certified_data,
        "examen": {
            "debut": _date(item.exam_start),
            "fin": _date(item.exam_end),
            "modalite": item.exam_mode or None,
            "codePostalCentre": item.exam_postcode or None,
        },
        "validite": {"debut": _date(item.valid_from), "fin": _date(item.valid_until)},
        "niveauLangueEuropeen": item.cefr_level or None,
        "niveauNumeriqueEuropeen": item.digcomp,
        "scoring": item.scoring or None,
        "mention": item.mention or None,
        "inscription": {
            "modaliteAcces": item.access_mode or None,
            "voieAccesVAE": item.vae_route or None,
            "initiative": item.registration_initiative or None,
            "date": _date(item.registration_date),
        },
        "urlPreuve": item.proof_url or None,
        "verbatim": item.verbatim or None,
        "provenance": {
            "source": item.source,
            "depot": item.deposit_id,
            "ligne": item.line,
            "idTechnique": item.id_technique,
            "emetteur": item.emetteur_bcr,
            "recuLe": item.received_at.isoformat(),
        },
    }


def passport_document(holder: Holder) -> dict:
    items = CertificationItem.objects.filter(holder=holder).order_by("-valid_from", "pk")
    return {
        "format": FORMAT,
        "genereLe": timezone.now().isoformat(timespec="seconds"),
        "titulaire": {
            "nomNaissance": holder.birth_name,
            "nomUsage": holder.usage_name or None,
            "prenoms": [
                p for p in (holder.first_name1, holder.first_name2, holder.first_name3) if p
            ],
            "sexe": holder.sex,
            "naissance": {
                "annee": holder.birth_year,
                "mois": holder.birth_month,
                "jour": holder.birth_day,
                "codeInsee": holder.birth_insee or None,
                "codePays": holder.birth_country or None,
            },
        },
        "certifications": [certification_json(i) for i in items],
        "elementsDeclares": [declared_json(d) for d in _declared_items(holder)],
        "masquesDesDocuments": [
            {"nature": kind, "element": pk}
            for kind, pk in HiddenItem.objects.filter(holder=holder)
            .order_by("pk")
            .values_list("kind", "item_id")
        ],
        "historiqueDesDeclarations": [
            {"date": c.at.isoformat(), "element": c.item_id, "action": c.action}
            for c in ItemChange.objects.filter(holder=holder).order_by("pk")
        ],
    }


def _declared_items(holder: Holder):
    return (
        DeclaredItem.objects.filter(holder=holder)
        .order_by("-start", "pk")
        .prefetch_related("attestations")
    )


def declared_json(item: DeclaredItem) -> dict:
    return {
        "id": item.pk,
        "nature": item.kind,
        "niveauConfiance": TrustLevel.DECLARED.value,
        "intitule": item.title,
        "organisme": item.organisation or None,
        "lieu": item.place or None,
        "periode": {"debut": _date(item.start), "fin": _date(item.end)},
        "description": item.description or None,
        "attestations": [
            {
                "nomFichier": a.file_name,
                "type": a.content_type,
                "taille": a.size,
                "sha256": a.sha256,
                "deposeeLe": a.uploaded_at.isoformat(),
            }
            for a in item.attestations.all()
        ],
        "declareLe": item.created_at.isoformat(),
        "modifieLe": item.updated_at.isoformat(),
    }


def export_for_holder(holder: Holder, actor: str) -> dict:
    """« Mes données »: the same document, downloaded by its holder; journaled too."""
    document = passport_document(holder)
    journal.record(
        actor=actor,
        actor_kind="titulaire",
        action="export-passeport",
        purpose="téléchargement de mes données",
        holder=holder,
        details={
            "certifications": len(document["certifications"]),
            "elementsDeclares": len(document["elementsDeclares"]),
        },
    )
    return document


def export_for_staff(raw_nir: str, purpose: str, actor: str) -> dict:
    """The passport of the holder with this NIR, read by staff; the read is journaled."""
    if not purpose.strip():
        raise ValueError("Le motif de la consultation est obligatoire.")
    holder = find_by_nir(raw_nir)
    document = passport_document(holder)
    journal.record(
        actor=actor,
        actor_kind="exploitant",
        action="export-passeport",
        purpose=purpose.strip(),
        holder=holder,
        details={"certifications": len(document["certifications"])},
    )
    return document
