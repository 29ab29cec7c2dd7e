"""One error shape for the whole API: ``{"code": …, "message": …}`` with a French message.

Ninja's defaults answer in English, and in DEBUG with a stack trace; our clients are
certifying bodies' programs and people reading their logs, so every error says what went
wrong in French, with a stable ``code`` to branch on.
"""

import logging

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from passeport.core.errors import InputError

log = logging.getLogger("passeport.api")

MISSING_CREDENTIALS = (
    "Authentification requise : envoyez le jeton d'API de votre organisation dans l'en-tête "
    "« Authorization: Bearer <jeton> »."
)
INVALID_TOKEN = "Jeton d'API invalide ou révoqué."


class ErrorOut(Schema):
    code: str
    message: str


class FieldErrorOut(Schema):
    champ: str
    message: str


class ValidationErrorOut(ErrorOut):
    details: list[FieldErrorOut]


class ApiError(HttpError):
    """An HTTP error with a stable machine code and a French message."""

    def __init__(self, status_code: int, code: str, message: str):
        super().__init__(status_code, message)
        self.code = code


class InvalidToken(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(401, INVALID_TOKEN)


# pydantic error types → French; anything else gets a generic message naming the field.
_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "int_parsing": "Un nombre entier est attendu.",
    "int_type": "Un nombre entier est attendu.",
    "greater_than_equal": "La valeur doit être supérieure ou égale à {ge}.",
    "greater_than": "La valeur doit être supérieure à {gt}.",
    "less_than_equal": "La valeur doit être inférieure ou égale à {le}.",
    "less_than": "La valeur doit être inférieure à {lt}.",
    "string_type": "Une chaîne de caractères est attendue.",
}

# Messages for a whole parameter, when a generic one would not tell the client what to do.
_FIELD_MESSAGES = {
    ("file", "fichier", "missing"): (
        "Aucun fichier reçu : envoyez le flux XML dans le champ « fichier » d'une requête "
        "multipart/form-data."
    ),
}


def _field_error(error: dict) -> FieldErrorOut:
    loc = [str(part) for part in error.get("loc", ())]
    where, name = (loc[0], loc[-1]) if loc else ("", "")
    kind = error.get("type", "")
    special = _FIELD_MESSAGES.get((where, name, kind))
    if special:
        return FieldErrorOut(champ=name, message=special)
    template = _MESSAGES.get(kind, "Valeur invalide.")
    try:
        message = template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        message = "Valeur invalide."
    return FieldErrorOut(champ=name, message=message)


def install(api: NinjaAPI) -> None:
    """Replace ninja's default exception handlers with French, JSON-only ones."""

    def respond(request: HttpRequest, status: int, code: str, message: str, **extra):
        return api.create_response(
            request, {"code": code, "message": message, **extra}, status=status
        )

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if isinstance(exc, InvalidToken) else MISSING_CREDENTIALS
        code = "jeton_invalide" if isinstance(exc, InvalidToken) else "authentification_requise"
        response = respond(request, 401, code, message)
        response["WWW-Authenticate"] = 'Bearer realm="passeport"'
        return response

    def on_api_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = getattr(exc, "code", None) or f"http_{exc.status_code}"
        return respond(request, exc.status_code, code, exc.message)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = [_field_error(e) for e in exc.errors]
        if len(details) == 1:
            message = details[0].message
        else:
            message = "La requête est invalide : voir le détail par champ."
        return respond(
            request,
            422,
            "requete_invalide",
            message,
            details=[d.model_dump() for d in details],
        )

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, "introuvable", "Ressource introuvable.")

    def on_input(request: HttpRequest, exc: InputError) -> HttpResponse:
        return respond(request, 400, "entree_invalide", exc.message)

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("erreur inattendue sur %s %s", request.method, request.path)
        return respond(
            request,
            500,
            "erreur_interne",
            "Erreur interne : l'incident est enregistré. Réessayez plus tard.",
        )

    api.add_exception_handler(Exception, on_unexpected)
    api.add_exception_handler(InputError, on_input)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(HttpError, on_api_error)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(ValidationError, on_validation)
