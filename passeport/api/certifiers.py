"""The certifiers' API: deposit a flux, follow its processing, fetch the accusés.

Authenticated by the bearer token of the depositing organisation; an organisation only ever
sees its own deposits (anyone else's answers exactly like an unknown id: 404). Handlers stay
thin: ``certifiers.services`` does the work, this module only translates HTTP.
"""

from datetime import datetime, timedelta
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import HttpBearer

from passeport.accounts.models import ApiToken
from passeport.api.errors import ApiError, ErrorOut, InvalidToken, ValidationErrorOut
from passeport.certifiers import services
from passeport.certifiers.models import Channel, Deposit, DepositStatus, Organisation
from passeport.certifiers.processing import progress_key
from passeport.core import progress, storage
from passeport.core.downloads import xml_download
from passeport.core.errors import InputError

XML = "application/xml"
# Writing last_used_at on every call would turn each read into a write; a minute is precise
# enough to tell a live token from a forgotten one.
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_BIGINT = 2**63 - 1
WARNINGS_PAGE = 100
WARNINGS_PAGE_MAX = 1000


class DepositorToken(HttpBearer):
    """``Authorization: Bearer <jeton>`` → the token's organisation."""

    def __call__(self, request: HttpRequest) -> Organisation | None:
        # Overridden so that a malformed header is never logged (it may hold a token).
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if not scheme:
            return None
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken()
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Organisation:
        found = ApiToken.find(token)
        if found is None:
            raise InvalidToken()
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return found.organisation


DepositId = Annotated[int, Path(ge=1, le=MAX_BIGINT, description="Identifiant du dépôt (idDepot).")]

router = Router(auth=DepositorToken(), tags=["Dépôts"])


# ---------------------------------------------------------------------------------------
# Schemas. Field names are the French ones certifiers see in the XML (nomFichier, idFlux…).


class StatutOut(Schema):
    code: DepositStatus
    libelle: str


class LiensOut(Schema):
    statut: str
    accuseTraitement: str
    accuseReception: str


class AccuseReceptionOut(Schema):
    """The accusé de réception, as JSON (same content as the XML one)."""

    id: int
    nomFichier: str
    sha256: str
    taille: int
    recuLe: datetime
    statut: StatutOut
    liens: LiensOut


class PassagesOut(Schema):
    total: int
    ok: int
    ko: int


class ErreurFichierOut(Schema):
    type: str
    message: str
    ligne: int | None
    colonne: int | None


class AvertissementOut(Schema):
    ligne: int | None
    colonne: int | None
    idTechnique: str | None
    message: str


class AvertissementsOut(Schema):
    total: int
    debut: int
    nombre: int
    elements: list[AvertissementOut]


class ProgressionOut(Schema):
    phase: str | None
    pourcentage: int | None
    passagesTraites: int | None


class DepotOut(Schema):
    id: int
    nomFichier: str
    sha256: str
    taille: int
    canal: str
    recuLe: datetime
    statut: StatutOut
    termine: bool
    debutTraitement: datetime | None
    traiteLe: datetime | None
    idFlux: str | None
    emetteur: str | None
    certificateur: str | None
    idContrat: str | None
    passages: PassagesOut
    erreurs: list[ErreurFichierOut]
    avertissements: AvertissementsOut
    progression: ProgressionOut | None
    liens: LiensOut


NOT_FOUND = {404: ErrorOut}
AUTH = {401: ErrorOut, 422: ValidationErrorOut}
XML_OK = {
    "responses": {
        200: {"description": "Le document XML.", "content": {XML: {"schema": {"type": "string"}}}}
    }
}


# ---------------------------------------------------------------------------------------
# Helpers


def _own_deposit(request: HttpRequest, deposit_id: int) -> Deposit:
    """The caller's deposit; another organisation's is reported exactly as an unknown one."""
    deposit = services.deposits_of(request.auth).filter(pk=deposit_id).first()
    if deposit is None:
        raise ApiError(404, "depot_introuvable", f"Dépôt {deposit_id} introuvable.")
    return deposit


def _statut(deposit: Deposit) -> StatutOut:
    status = DepositStatus(deposit.status)
    return StatutOut(code=status, libelle=status.label)


def _links(deposit: Deposit) -> LiensOut:
    kwargs = {"id": deposit.pk}
    return LiensOut(
        statut=reverse("api:depot", kwargs=kwargs),
        accuseTraitement=reverse("api:depot-accuse-traitement", kwargs=kwargs),
        accuseReception=reverse("api:depot-accuse-reception", kwargs=kwargs),
    )


def _seconds(moment: datetime | None) -> datetime | None:
    """To the second, as in the XML accusé de réception."""
    return moment.replace(microsecond=0) if moment else None


def _progress(deposit: Deposit) -> ProgressionOut | None:
    if deposit.is_final:
        return None
    values = progress.read(progress_key(deposit.pk))
    if not values:
        return None
    return ProgressionOut(
        phase=values.get("phase"),
        pourcentage=values.get("percent"),
        passagesTraites=values.get("passages"),
    )


# ---------------------------------------------------------------------------------------
# Endpoints


@router.post(
    "/depots",
    response={201: AccuseReceptionOut, 400: ErrorOut, 413: ErrorOut, **AUTH},
    url_name="depots",
    operation_id="deposer",
    summary="Déposer un flux XML",
    description=(
        "Enregistre le fichier tel quel, met son traitement en file et renvoie aussitôt "
        "l'accusé de réception. L'accusé de traitement est disponible plus tard (voir `liens`)."
    ),
)
def deposit_file(
    request: HttpRequest,
    response: HttpResponse,
    fichier: Annotated[UploadedFile, File(description="Le flux XML (multipart/form-data).")],
):
    """Stores the file as received, queues its processing and answers the accusé de
    réception at once. The accusé de traitement comes later (see ``liens``)."""
    try:
        receipt = services.receive(fichier, fichier.name or "", Channel.API, request.auth)
    except InputError as exc:
        if isinstance(exc.__cause__, storage.TooLarge):
            raise ApiError(413, "fichier_trop_volumineux", exc.message) from exc
        raise
    deposit = receipt.deposit
    links = _links(deposit)
    response["Location"] = links.statut
    return Status(
        201,
        AccuseReceptionOut(
            id=deposit.pk,
            nomFichier=deposit.file_name,
            sha256=deposit.sha256,
            taille=deposit.size,
            recuLe=_seconds(deposit.received_at),
            statut=_statut(deposit),
            liens=links,
        ),
    )


@router.get(
    "/depots/{id}",
    response={200: DepotOut, **NOT_FOUND, **AUTH},
    url_name="depot",
    operation_id="lire_depot",
    summary="Suivre un dépôt",
    description=(
        "Statut, compteurs, erreurs du fichier et avertissements d'un dépôt ; progression "
        "pendant le traitement. Les avertissements sont paginés (`avertissements.total`)."
    ),
)
def deposit_status(
    request: HttpRequest,
    id: DepositId,
    debut: Annotated[
        int, Query(ge=0, alias="avertissementsDebut", description="Rang du premier avertissement.")
    ] = 0,
    nombre: Annotated[
        int,
        Query(
            ge=0,
            le=WARNINGS_PAGE_MAX,
            alias="avertissementsNombre",
            description="Nombre d'avertissements à renvoyer.",
        ),
    ] = WARNINGS_PAGE,
):
    """Status, counts and errors of a deposit; its progress while it is processed.
    Warnings come by pages: ``avertissements.total`` says how many there are."""
    deposit = _own_deposit(request, id)
    warnings = deposit.warnings.order_by("line", "pk")[debut : debut + nombre]
    return DepotOut(
        id=deposit.pk,
        nomFichier=deposit.file_name,
        sha256=deposit.sha256,
        taille=deposit.size,
        canal=deposit.channel,
        recuLe=_seconds(deposit.received_at),
        statut=_statut(deposit),
        termine=deposit.is_final,
        debutTraitement=_seconds(deposit.started_at),
        traiteLe=_seconds(deposit.processed_at),
        idFlux=deposit.id_flux or None,
        emetteur=deposit.emetteur_bcr or None,
        certificateur=deposit.certifier_bcr or None,
        idContrat=deposit.contract_id or None,
        passages=PassagesOut(
            total=deposit.passages_total, ok=deposit.passages_ok, ko=deposit.passages_ko
        ),
        erreurs=[
            ErreurFichierOut(
                type=e.get("type", ""),
                message=e.get("message", ""),
                ligne=e.get("line"),
                colonne=e.get("column"),
            )
            for e in deposit.file_errors or []
        ],
        avertissements=AvertissementsOut(
            total=deposit.warnings_count,
            debut=debut,
            nombre=nombre,
            elements=[
                AvertissementOut(
                    ligne=w.line,
                    colonne=w.column,
                    idTechnique=w.id_technique or None,
                    message=w.message,
                )
                for w in warnings
            ],
        ),
        progression=_progress(deposit),
        liens=_links(deposit),
    )


@router.get(
    "/depots/{id}/accuse-traitement",
    response={409: ErrorOut, **NOT_FOUND, **AUTH},
    url_name="depot-accuse-traitement",
    operation_id="accuse_traitement",
    summary="Télécharger l'accusé de traitement (XML)",
    description=(
        "L'accusé de traitement au format de la Caisse des Dépôts, une fois le traitement "
        "terminé ; 409 avant."
    ),
    openapi_extra=XML_OK,
)
def processing_report(
    request: HttpRequest,
    id: DepositId,
):
    """The CDC-shaped processing report, once processing has ended; 409 before.
    Streamed from storage: a report of a large deposit never sits whole in memory."""
    deposit = _own_deposit(request, id)
    if not deposit.is_final or not deposit.report_name:
        raise ApiError(
            409,
            "traitement_non_termine",
            f"Le dépôt {deposit.pk} n'est pas encore traité (statut : "
            f"{deposit.get_status_display()}) : l'accusé de traitement sera disponible à la "
            "fin du traitement.",
        )
    return xml_download(services.open_report(deposit), deposit.report_file_name)


@router.get(
    "/depots/{id}/accuse-reception",
    response={**NOT_FOUND, **AUTH},
    url_name="depot-accuse-reception",
    operation_id="accuse_reception",
    summary="Télécharger l'accusé de réception (XML)",
    description="Notre accusé de réception (XML), disponible dès la réception du fichier.",
    openapi_extra=XML_OK,
)
def reception_receipt(
    request: HttpRequest,
    id: DepositId,
):
    """Our accusé de réception (docs/accuse-reception.md), available as soon as the file
    is received."""
    deposit = _own_deposit(request, id)
    return xml_download(services.reception_xml(deposit), services.reception_file_name(deposit))
