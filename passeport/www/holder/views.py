"""Holders' login (FranceConnect+ and any configured provider) and their first pages.

Thin: the protocol is ``accounts.oidc``, whose passport it is ``accounts.holder_login``.
"""

import functools
import logging

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from passeport.accounts import oidc
from passeport.accounts.holder_login import MIN_AGE, MIN_AGE_APPRENTICE, NotEligible, open_account
from passeport.accounts.models import HolderAccount

log = logging.getLogger("passeport.accounts")

SESSION_LOGIN = "holder_login"


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def holder_required(view):
    """The holder's own pages: logged in through an identity provider, else the login page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        account = (
            getattr(request.user, "holder_account", None) if request.user.is_authenticated else None
        )
        if not isinstance(account, HolderAccount) or SESSION_LOGIN not in request.session:
            return redirect(f"{reverse('www:titulaire-connexion')}?suivant={request.path}")
        request.holder_account = account
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
def login_page(request: HttpRequest) -> HttpResponse:
    providers = oidc.providers(_site(request))
    return render(
        request, "www/holder/connexion.html", {"title": "Connexion", "providers": providers}
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
            "title": "Passeport non accessible",
            "age": exc.age,
            "min_age": MIN_AGE,
            "min_age_apprentice": MIN_AGE_APPRENTICE,
        }
        return render(request, "www/holder/non-eligible.html", context, status=403)
    login(request, opened.account.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_LOGIN] = {"provider": identity.provider, "id_token": identity.id_token}
    return redirect("www:mon-passeport")


def _refused(request: HttpRequest, exc: oidc.LoginRefused) -> HttpResponse:
    log.warning("connexion de titulaire refusée (%s) : %s", exc.reason, exc.detail)
    context = {"title": "Connexion refusée", "message": oidc.REASONS[exc.reason]}
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


@require_GET
@holder_required
def my_passport(request: HttpRequest) -> HttpResponse:
    holder = request.holder_account.holder
    items = holder.certifications.order_by("-valid_from", "pk")
    return render(
        request,
        "www/holder/mon-passeport.html",
        {"title": "Mon parcours", "holder": holder, "items": items},
    )
