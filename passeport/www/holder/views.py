"""Holders' login (FranceConnect+ and any configured provider) and their first pages.

Thin: the protocol is ``accounts.oidc``, whose passport it is ``accounts.holder_login``.
"""

import functools
import json
import logging

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from passeport.access.models import JournalEntry
from passeport.accounts import oidc, terms
from passeport.accounts.holder_login import MIN_AGE, MIN_AGE_APPRENTICE, NotEligible, open_account
from passeport.accounts.models import HolderAccount
from passeport.core.downloads import download
from passeport.records import attestations, declared, timeline
from passeport.records import services as records_services
from passeport.records.models import (
    Attestation,
    CertificationItem,
    DeclaredItem,
    HiddenItem,
    ItemChange,
)
from passeport.www.holder.forms import AttestationForm, DeclaredItemForm, TimelineFilterForm

log = logging.getLogger("passeport.accounts")

SESSION_LOGIN = "holder_login"


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _holder_view(view, terms_first: bool):
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        account = (
            getattr(request.user, "holder_account", None) if request.user.is_authenticated else None
        )
        if not isinstance(account, HolderAccount) or SESSION_LOGIN not in request.session:
            return redirect(f"{reverse('www:titulaire-connexion')}?suivant={request.path}")
        if terms_first and not terms.accepted(account):
            return redirect("www:bienvenue")  # first visit, or new terms to accept
        request.holder_account = account
        return view(request, *args, **kwargs)

    return wrapped


def holder_required(view):
    """The holder's own pages: logged in through an identity provider (else the login
    page) and the current terms of use accepted (else the welcome page)."""
    return _holder_view(view, terms_first=True)


def holder_before_terms(view):
    """The welcome page itself: logged in, terms not yet accepted."""
    return _holder_view(view, terms_first=False)


@require_GET
def login_page(request: HttpRequest) -> HttpResponse:
    providers = oidc.providers(_site(request))
    return render(
        request, "www/holder/connexion.html", {"title": _("Connexion"), "providers": providers}
    )


@require_POST
def login_start(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        idp = oidc.provider(provider, _site(request))
        url = oidc.authorization_url(
            request.session, idp, request.build_absolute_uri(reverse("www:titulaire-retour"))
        )
    except oidc.LoginRefused as exc:
        return _refused(request, exc)
    return redirect(url)


@require_GET
def login_return(request: HttpRequest) -> HttpResponse:
    try:
        identity = oidc.finish(request.session, request.GET.dict(), _site(request))
        opened = open_account(identity)
    except oidc.LoginRefused as exc:
        return _refused(request, exc)
    except NotEligible as exc:
        log.info("connexion refusée : %s ans", exc.age)
        context = {
            "title": _("Passeport non accessible"),
            "age": exc.age,
            "min_age": MIN_AGE,
            "min_age_apprentice": MIN_AGE_APPRENTICE,
        }
        return render(request, "www/holder/non-eligible.html", context, status=403)
    login(request, opened.account.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_LOGIN] = {"provider": identity.provider, "id_token": identity.id_token}
    if not terms.accepted(opened.account):
        return redirect("www:bienvenue")
    return redirect("www:mon-passeport")


def _refused(request: HttpRequest, exc: oidc.LoginRefused) -> HttpResponse:
    log.warning("connexion de titulaire refusée (%s) : %s", exc.reason, exc.detail)
    context = {"title": _("Connexion refusée"), "message": oidc.REASONS[exc.reason]}
    return render(request, "www/holder/refus.html", context, status=403)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Our session ends here; the provider's at its end-session endpoint."""
    state = request.session.get(SESSION_LOGIN) or {}
    logout(request)
    if not state:
        return redirect("www:accueil")
    try:
        idp = oidc.provider(state["provider"], _site(request))
        return redirect(
            oidc.logout_url(
                idp, state["id_token"], request.build_absolute_uri(reverse("www:accueil"))
            )
        )
    except oidc.LoginRefused:
        return redirect("www:accueil")


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """Our encryption public keys, registered with FranceConnect+."""
    return JsonResponse(oidc.public_jwks())


def _holder(request: HttpRequest):
    return request.holder_account.holder


@require_GET
@holder_required
def my_passport(request: HttpRequest) -> HttpResponse:
    form = TimelineFilterForm(request.GET or None)
    filters = timeline.Filters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = timeline.Filters(data["type"] or "", data["de"], data["a"])
    entries = timeline.timeline(_holder(request), filters)
    context = {
        "title": _("Mon parcours"),
        "holder": _holder(request),
        "entries": entries,
        "form": form,
        "filtered": filters != timeline.Filters(),
    }
    return render(request, "www/holder/mon-passeport.html", context)


@require_GET
@holder_required
def certification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    holder = _holder(request)
    item = get_object_or_404(CertificationItem, holder=holder, pk=pk)
    hidden = HiddenItem.objects.filter(holder=holder, kind="certification", item_id=pk).exists()
    context = {"title": item.label or item.code, "item": item, "hidden": hidden}
    return render(request, "www/holder/certification.html", context)


@require_GET
@holder_required
def declared_detail(request: HttpRequest, pk: int) -> HttpResponse:
    holder = _holder(request)
    item = _declared_or_404(holder, pk)
    return _declared_page(request, item, AttestationForm())


def _declared_or_404(holder, pk: int):
    try:
        return declared.get(holder, pk)
    except DeclaredItem.DoesNotExist as exc:
        raise Http404 from exc


def _declared_page(request, item, attestation_form, status: int = 200) -> HttpResponse:
    hidden = HiddenItem.objects.filter(holder=item.holder, kind="declare", item_id=item.pk)
    context = {
        "title": item.title,
        "item": item,
        "attestation_form": attestation_form,
        "hidden": hidden.exists(),
        "changes": ItemChange.objects.filter(holder=item.holder, item_id=item.pk)[:20],
    }
    return render(request, "www/holder/declare.html", context, status=status)


@require_http_methods(["GET", "POST"])
@holder_required
def declared_new(request: HttpRequest) -> HttpResponse:
    holder = _holder(request)
    form = DeclaredItemForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.pop("attestation", None)
        if upload is not None:
            try:  # checked before anything is created: one message, nothing half-done
                attestations.check(upload, upload.name)
                upload.seek(0)
            except attestations.UploadRejected as exc:
                form.add_error("attestation", str(exc))
        if form.is_valid():
            item = declared.create(holder, form.cleaned_data)
            if upload is not None:
                declared.add_attestation(holder, item.pk, upload, upload.name)
            messages.success(request, _("L'élément a été ajouté à votre parcours."))
            return redirect("www:declare", pk=item.pk)
    status = 400 if form.is_bound else 200
    context = {"title": _("Déclarer un élément"), "form": form}
    return render(request, "www/holder/declarer.html", context, status=status)


@require_http_methods(["GET", "POST"])
@holder_required
def declared_edit(request: HttpRequest, pk: int) -> HttpResponse:
    holder = _holder(request)
    item = _declared_or_404(holder, pk)
    form = DeclaredItemForm(request.POST or None, instance=item, with_attestation=False)
    if request.method == "POST" and form.is_valid():
        declared.update(holder, pk, form.cleaned_data)
        messages.success(request, _("L'élément a été modifié."))
        return redirect("www:declare", pk=pk)
    status = 400 if form.is_bound else 200
    title = _("Modifier « %(title)s »") % {"title": item.title}
    context = {"title": title, "form": form, "item": item}
    return render(request, "www/holder/declarer.html", context, status=status)


@require_http_methods(["GET", "POST"])
@holder_required
def declared_delete(request: HttpRequest, pk: int) -> HttpResponse:
    holder = _holder(request)
    item = _declared_or_404(holder, pk)
    if request.method == "POST":
        declared.delete(holder, pk)
        messages.success(
            request,
            _("« %(title)s » et ses attestations ont été supprimés.") % {"title": item.title},
        )
        return redirect("www:mon-passeport")
    context = {"title": _("Supprimer « %(title)s »") % {"title": item.title}, "item": item}
    return render(request, "www/holder/supprimer.html", context)


@require_POST
@holder_required
def attestation_add(request: HttpRequest, pk: int) -> HttpResponse:
    holder = _holder(request)
    item = _declared_or_404(holder, pk)
    form = AttestationForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["fichier"]
        try:
            declared.add_attestation(holder, pk, upload, upload.name)
        except attestations.UploadRejected as exc:
            form.add_error("fichier", str(exc))
        else:
            messages.success(request, _("L'attestation a été ajoutée."))
            return redirect("www:declare", pk=pk)
    return _declared_page(request, item, form, status=400)


@require_GET
@holder_required
def attestation_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        attestation = declared.get_attestation(_holder(request), pk)
    except Attestation.DoesNotExist as exc:
        raise Http404 from exc
    file = declared.storage().open(attestation.stored_name, "rb")
    return download(file, attestation.file_name, attestation.content_type, private=True)


@require_POST
@holder_required
def attestation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    holder = _holder(request)
    try:
        item_pk = declared.get_attestation(holder, pk).item_id
        declared.delete_attestation(holder, pk)
    except Attestation.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("L'attestation a été supprimée, fichier compris."))
    return redirect("www:declare", pk=item_pk)


@require_POST
@holder_required
def hide(request: HttpRequest, source: str, pk: int) -> HttpResponse:
    """Keep an item out of (or back in) the documents the holder will generate."""
    holder = _holder(request)
    if source == timeline.CERTIFICATION:
        get_object_or_404(CertificationItem, holder=holder, pk=pk)
        target = reverse("www:certification", args=[pk])
    elif source == timeline.DECLARED:
        _declared_or_404(holder, pk)
        target = reverse("www:declare", args=[pk])
    else:
        raise Http404
    hidden = request.POST.get("masquer") == "1"
    declared.set_hidden(holder, source, pk, hidden)
    messages.success(
        request,
        _("Cet élément n'apparaîtra pas dans vos documents.")
        if hidden
        else _("Cet élément apparaîtra de nouveau dans vos documents."),
    )
    return redirect(target)


JOURNAL_ACTIONS = {
    "export-passeport": _lazy("Export du passeport"),
    "consultation-partage": _lazy("Consultation d'un document partagé"),
}
JOURNAL_ACTORS = {
    "titulaire": _lazy("vous-même"),
    "exploitant": _lazy("l'opérateur du passeport"),
    "operateur": _lazy("un opérateur de l'emploi"),
    "visiteur": _lazy("une personne munie de votre lien de partage"),
}


@require_GET
@holder_required
def my_data(request: HttpRequest) -> HttpResponse:
    holder = _holder(request)
    reads = [
        {
            "at": e.at,
            "who": JOURNAL_ACTORS.get(e.actor_kind, e.actor_kind),
            "actor": "" if e.actor_kind == "titulaire" else e.actor,
            "what": JOURNAL_ACTIONS.get(e.action, e.action),
            "why": e.purpose,
        }
        for e in JournalEntry.objects.filter(holder=holder).order_by("-pk")[:200]
    ]
    context = {"title": _("Mes données"), "reads": reads}
    return render(request, "www/holder/mes-donnees.html", context)


@require_GET
@holder_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    holder = _holder(request)
    document = records_services.export_for_holder(holder, actor=request.user.get_username())
    body = json.dumps(document, ensure_ascii=False, indent=2).encode()
    return download(body, "mon-passeport.json", "application/json; charset=utf-8", private=True)


@require_http_methods(["GET", "POST"])
@holder_before_terms
def welcome(request: HttpRequest) -> HttpResponse:
    """First visit: the terms of use (their version and hash are recorded), then the tour."""
    account = request.holder_account
    error = ""
    if request.method == "POST":
        if request.POST.get("accepter") == "1":
            terms.accept(account)
            return redirect("www:visite")
        error = _("Cochez la case pour accepter les conditions d'utilisation.")
    context = {"title": _("Bienvenue"), "terms_text": terms.text(), "error": error}
    return render(request, "www/holder/bienvenue.html", context, status=400 if error else 200)


SPACES = [
    (_lazy("Mon parcours"), _lazy("Vos diplômes, expériences, formations et engagements, "
     "garantis ou déclarés, sur une seule frise."), True),
    (_lazy("Mes compétences"), _lazy("Les compétences que prouvent vos éléments, selon les "
     "référentiels ROME et ESCO."), False),
    (_lazy("Mes CV"), _lazy("Des CV scellés, que tout recruteur peut vérifier, à partager et "
     "à révoquer."), False),
    (_lazy("Mon avenir"), _lazy("Des métiers et des formations qui vous correspondent."), False),
]  # fmt: skip


@require_GET
@holder_required
def tour(request: HttpRequest) -> HttpResponse:
    spaces = [{"name": n, "text": t, "ready": r} for n, t, r in SPACES]
    context = {"title": _("Découvrir"), "spaces": spaces}
    return render(request, "www/holder/visite.html", context)
