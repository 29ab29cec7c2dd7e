"""Public pages (no login): verification of a document, share links, the QR code target.
Thin: ``documents.verification`` and ``documents.sharing`` do the work."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from passeport.core.downloads import download
from passeport.documents import issuance, sharing, verification
from passeport.documents.models import IssuedDocument


def _gone_message(why: str) -> str:
    return {
        "revoque": _("Ce lien de partage a été révoqué par son titulaire."),
        "expire": _("Ce lien de partage a expiré."),
        "verrouille": _("Ce lien est verrouillé après trop de codes d'accès erronés."),
    }[why]


def _verdict_page(request, result: verification.Verdict, status: int = 200, **extra):
    context = {"title": _("Vérification"), "result": result, **extra}
    return render(request, "www/verification/resultat.html", context, status=status)


@require_http_methods(["GET", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(
            request, "www/verification/deposer.html", {"title": _("Vérifier un document")}
        )
    upload = request.FILES.get("fichier")
    if upload is None:
        context = {"title": _("Vérifier un document"), "error": _("Choisissez un fichier PDF.")}
        return render(request, "www/verification/deposer.html", context, status=400)
    if upload.size > verification.MAX_BYTES:
        result = verification.Verdict(verification.UNKNOWN)
        result.add("fichier", False, _("fichier trop volumineux (20 Mo au plus)"))
        return _verdict_page(request, result, status=400)
    return _verdict_page(request, verification.verify_pdf(upload.read()))


@require_GET
def verify_registered(request: HttpRequest, uid: str) -> HttpResponse:
    """The QR code of a document: what the registry says of it."""
    document = IssuedDocument.objects.filter(credential_id=f"urn:uuid:{uid}").first()
    if document is None:
        raise Http404
    return _verdict_page(request, verification.verify_registered(document), registered=True)


@require_http_methods(["GET", "POST"])
def shared(request: HttpRequest, token: str) -> HttpResponse:
    visitor = request.META.get("REMOTE_ADDR", "inconnu")
    if sharing.throttled(visitor):
        context = {
            "title": _("Trop de tentatives"),
            "message": _("Trop de liens inconnus depuis votre adresse : réessayez plus tard."),
        }
        return render(request, "www/verification/lien-indisponible.html", context, status=429)
    link = sharing.find(token)
    if link is None:
        sharing.note_miss(visitor)
        raise Http404
    try:
        document = sharing.open_link(link, request.POST.get("code"), f"visiteur {visitor}")
    except sharing.LinkGone as exc:
        context = {"title": _("Lien indisponible"), "message": _gone_message(exc.why)}
        return render(request, "www/verification/lien-indisponible.html", context, status=410)
    except sharing.CodeRequired:
        wrong = request.method == "POST"
        context = {"title": _("Code d'accès"), "wrong": wrong}
        return render(request, "www/verification/code.html", context, status=403 if wrong else 200)
    if request.GET.get("pdf") == "1":
        file = issuance.storage().open(document.stored_name, "rb")
        return download(file, f"{document.title}.pdf", "application/pdf", private=True)
    result = verification.verify_registered(document)
    return _verdict_page(request, result, token=token, protected=bool(link.access_code))


@require_GET
def status_list(request: HttpRequest, purpose: str) -> JsonResponse:
    """The revocation or suspension list of our VCs (``statusListCredential``), signed."""
    if purpose not in ("revocation", "suspension"):
        raise Http404
    response = JsonResponse(issuance.status_list_credential(purpose))
    response["Cache-Control"] = "public, max-age=300"
    return response
