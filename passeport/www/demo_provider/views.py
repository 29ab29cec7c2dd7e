"""HTTP face of the demo identity provider (``accounts.demo_provider``): demo and tests only."""

import urllib.parse

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from passeport.accounts import demo_provider as demo


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_GET
def discovery(request: HttpRequest) -> JsonResponse:
    return JsonResponse(demo.discovery(_site(request)))


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(demo.jwks())


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """GET: who are you? (synthetic persons). POST: the chosen person, back to the client."""
    params = (request.POST if request.method == "POST" else request.GET).dict()
    try:
        demo.check_authorize(params, _site(request))
    except demo.DemoError as exc:
        context = {"title": "Demande refusée", "error": exc.error, "description": exc.description}
        return render(request, "www/demo_provider/erreur.html", context, status=400)
    persons = demo.persons()
    if request.method == "POST":
        chosen = next((p for p in persons if p["sub"] == params.get("personne")), None)
        back = {"state": params["state"]}
        if params.get("annuler") or chosen is None:
            back["error"] = "access_denied"
        else:
            back["code"] = demo.grant(params, chosen)
        return redirect(params["redirect_uri"] + "?" + urllib.parse.urlencode(back))
    keep = {k: params[k] for k in demo.AUTHORIZE_PARAMS if k in params}
    context = {"title": "Fournisseur d'identité de démonstration", "persons": persons, "keep": keep}
    return render(request, "www/demo_provider/authorize.html", context)


@csrf_exempt  # a back-channel call of the client, authenticated by its secret
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    try:
        return JsonResponse(demo.token(request.POST.dict(), _site(request)))
    except demo.DemoError as exc:
        return JsonResponse({"error": exc.error, "error_description": exc.description}, status=400)


@require_GET
def userinfo(request: HttpRequest) -> HttpResponse:
    bearer = request.headers.get("Authorization", "")
    access_token = bearer[7:] if bearer.startswith("Bearer ") else ""
    try:
        body = demo.userinfo(access_token, _site(request))
    except demo.DemoError as exc:
        return JsonResponse({"error": exc.error, "error_description": exc.description}, status=401)
    return HttpResponse(body, content_type="application/jwt")


@require_GET
def end_session(request: HttpRequest) -> HttpResponse:
    target = request.GET.get("post_logout_redirect_uri", "")
    if not target.startswith(_site(request) + "/"):
        return HttpResponseBadRequest("post_logout_redirect_uri inconnue")
    return redirect(target + "?" + urllib.parse.urlencode({"state": request.GET.get("state", "")}))
