"""Public endpoints (no authentication): the transparency log (signed tree head, inclusion
and consistency proofs, entries) and the verification of issued documents. Thin:
``documents.transparency`` and ``documents.verification`` do the work."""

import json
from typing import Annotated

from ninja import Query, Router
from pydantic import Field

from passeport.api.errors import ApiError, ErrorOut
from passeport.documents import transparency, verification

router = Router(tags=["Journal de transparence"])
NonNegative = Annotated[int, Field(ge=0, le=2**62)]


@router.get("/transparence/tete", summary="Dernière tête d'arbre signée")
def latest_head(request) -> dict:
    return transparency.latest_head()


@router.get(
    "/transparence/inclusion",
    summary="Preuve d'inclusion d'une entrée dans l'arbre d'une taille donnée",
    response={200: dict, 404: ErrorOut},
)
def inclusion(request, index: Query[NonNegative], taille: Query[NonNegative]) -> dict:
    try:
        return transparency.inclusion(index, taille)
    except transparency.LogError as exc:
        raise ApiError(404, "hors_journal", str(exc)) from exc


@router.get(
    "/transparence/coherence",
    summary="Preuve que l'arbre d'une taille est le début de celui d'une taille plus grande",
    response={200: dict, 404: ErrorOut},
)
def consistency(request, premiere: Query[NonNegative], seconde: Query[NonNegative]) -> dict:
    try:
        return transparency.consistency(premiere, seconde)
    except transparency.LogError as exc:
        raise ApiError(404, "hors_journal", str(exc)) from exc


@router.get("/transparence/entrees", summary="Entrées du journal (1 000 au plus)")
def entries(
    request, debut: int = Query(0, ge=0, le=2**62), fin: int = Query(1000, ge=0, le=2**62)
) -> dict:
    return {"entrees": transparency.entries(debut, fin)}


@router.post(
    "/verification",
    summary="Vérifier un document émis : PDF (multipart, champ « fichier ») ou VC (JSON)",
    tags=["Vérification"],
    response={200: dict, 400: ErrorOut, 413: ErrorOut},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"fichier": {"type": "string", "format": "binary"}},
                    }
                },
                "application/json": {"schema": {"type": "object"}},
            }
        }
    },
)
def verify(request) -> dict:
    """``{verdict, checks[], document}``; verdict: valide, modifié, révoqué, émetteur inconnu."""
    if request.content_type == "application/json":
        if len(request.body) > verification.MAX_BYTES:
            raise ApiError(413, "trop_volumineux", "Attestation trop volumineuse.")
        try:
            credential = json.loads(request.body)
        except ValueError as exc:
            raise ApiError(400, "json_invalide", "Le corps n'est pas du JSON valide.") from exc
        return verification.verify_credential(credential).as_json()
    upload = request.FILES.get("fichier")
    if upload is None:
        raise ApiError(
            400, "fichier_manquant", "Envoyez le PDF dans le champ « fichier » ou une VC en JSON."
        )
    if upload.size > verification.MAX_BYTES:
        raise ApiError(413, "trop_volumineux", "Fichier trop volumineux (20 Mo au plus).")
    return verification.verify_pdf(upload.read()).as_json()
