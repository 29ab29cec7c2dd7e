"""The transparency log's public endpoints (no authentication): signed tree head,
inclusion and consistency proofs, entries. Thin: ``documents.transparency`` does the work."""

from typing import Annotated

from ninja import Query, Router
from pydantic import Field

from passeport.api.errors import ApiError, ErrorOut
from passeport.documents import transparency

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
