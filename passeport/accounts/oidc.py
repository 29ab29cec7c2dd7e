"""OpenID Connect client for the holders' login, as FranceConnect+ requires it.

Authorization-code flow with PKCE, ``acr_values``, single-use ``state`` and ``nonce`` of 43
random characters kept in the server-side session; the ID token and the userinfo arrive
signed (ES256) then encrypted (RSA-OAEP-256 or ECDH-ES, A256GCM) to our keys: decrypted with
our private keys, verified against the provider's JWKS (fetched again on an unknown ``kid``:
providers rotate keys), then ``iss``, ``aud``, ``exp``, ``nonce`` and ``acr`` checked.
docs: ../shared/docs/credentials.md §11. The same code runs against FranceConnect+ and the
demo provider (``demo_provider``); any other provider is one more entry of
``settings.IDENTITY_PROVIDERS``.

No HTTP request object here: callers pass the session and the URLs they need.
"""

import base64
import functools
import hashlib
import json
import logging
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from joserfc import jwe, jwt
from joserfc.errors import JoseError
from joserfc.jwe import JWERegistry
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

log = logging.getLogger("passeport.accounts")

SCOPES = "openid given_name family_name birthdate gender birthplace birthcountry email"
ASSURANCE = {"eidas1": 1, "eidas2": 2, "eidas3": 3}
ENCRYPTIONS = ["RSA-OAEP-256", "RSA-OAEP", "ECDH-ES", "A256GCM"]
SIGNATURES = ["ES256"]
PENDING_SECONDS = 600  # a login not finished within 10 minutes starts again
HTTP_TIMEOUT = 10
SESSION_KEY = "oidc_pending"


class LoginRefused(Exception):
    """A login that must not open a session. ``reason`` selects the French page."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


REASONS = {
    "fournisseur": _("Le fournisseur d'identité a refusé ou interrompu la connexion."),
    "etat": _(
        "Cette demande de connexion est inconnue, expirée ou a déjà servi. "
        "Recommencez la connexion depuis la page d'accueil."
    ),
    "jeton": _(
        "La réponse du fournisseur d'identité n'a pas pu être vérifiée (jeton absent, non "
        "chiffré, non signé, falsifié ou expiré). Aucune session n'a été ouverte."
    ),
    "niveau": _(
        "Le niveau de garantie de votre identité est insuffisant : le passeport demande une "
        "identité vérifiée au niveau eIDAS substantiel (FranceConnect+)."
    ),
    "indisponible": _(
        "Le fournisseur d'identité ne répond pas pour le moment. Réessayez dans quelques minutes."
    ),
    "inconnu": _("Ce fournisseur d'identité n'est pas proposé par le passeport."),
}


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    acr: str = "eidas2"
    franceconnect: bool = True  # the official FranceConnect+ button; else a plain one

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def providers(site_url: str) -> list[Provider]:
    return [provider(name, site_url) for name in settings.IDENTITY_PROVIDERS]


def provider(name: str, site_url: str) -> Provider:
    """``site_url``: this site's address, for a provider served by this site (the demo)."""
    config = settings.IDENTITY_PROVIDERS.get(name)
    if config is None:
        raise LoginRefused("inconnu", name)
    issuer = config.get("issuer") or site_url.rstrip("/") + "/fournisseur-demo"
    return Provider(
        name=name,
        label=config.get("label", name),
        issuer=issuer,
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        acr=config.get("acr", "eidas2"),
        franceconnect=config.get("franceconnect", name in ("franceconnect", "demo")),
    )


# ------------------------------------------------------------------------------------------
# Our keys


@functools.cache
def _our_keys() -> KeySet:
    return KeySet.import_key_set(json.loads(settings.OIDC_ENCRYPTION_KEYS))


def public_jwks() -> dict:
    """What we publish at our JWKS URL: the public halves of our decryption keys."""
    return {"keys": [key.as_dict(private=False) for key in _our_keys().keys]}


# ------------------------------------------------------------------------------------------
# The flow


def authorization_url(session, idp: Provider, redirect_uri: str) -> str:
    """Start a login: remember state, nonce and PKCE verifier; where to send the browser."""
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    pending = {
        k: v for k, v in session.get(SESSION_KEY, {}).items() if _fresh(v)
    }  # a few tabs at once, none forever
    pending[state] = {
        "provider": idp.name,
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "at": time.time(),
    }
    session[SESSION_KEY] = pending
    query = {
        "response_type": "code",
        "client_id": idp.client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "acr_values": idp.acr,
        "state": state,
        "nonce": nonce,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        "prompt": "login",
    }
    return _endpoints(idp)["authorization_endpoint"] + "?" + urllib.parse.urlencode(query)


@dataclass(frozen=True)
class Identity:
    """A verified login: the provider, its ``sub``, the identity pivot, the ID token (for
    logout) and the level of assurance reached."""

    provider: str
    sub: str
    claims: dict
    id_token: str
    acr: str


def finish(session, params: dict, site_url: str) -> Identity:
    """The provider's redirection back: check everything or raise ``LoginRefused``."""
    state = params.get("state", "")
    pending = session.get(SESSION_KEY, {})
    attempt = pending.pop(state, None) if state else None
    session[SESSION_KEY] = pending  # single use, whatever happens next
    if params.get("error"):
        raise LoginRefused("fournisseur", str(params.get("error"))[:100])
    if attempt is None or not _fresh(attempt):
        raise LoginRefused("etat", "état inconnu, expiré ou rejoué")
    idp = provider(attempt["provider"], site_url)
    code = params.get("code")
    if not code:
        raise LoginRefused("fournisseur", "pas de code")
    tokens = _post_json(
        _endpoints(idp)["token_endpoint"],
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": attempt["redirect_uri"],
            "client_id": idp.client_id,
            "client_secret": idp.client_secret,
            "code_verifier": attempt["verifier"],
        },
    )
    id_token = tokens.get("id_token")
    access_token = tokens.get("access_token")
    if not id_token or not access_token:
        raise LoginRefused("jeton", "réponse du jeton incomplète")
    id_claims = read_token(id_token, idp, nonce=attempt["nonce"])
    acr = check_acr(id_claims, idp)
    # The access token lives 60 s on FranceConnect+: userinfo at once.
    userinfo = read_token(_get_jwt(_endpoints(idp)["userinfo_endpoint"], access_token), idp)
    if userinfo.get("sub") != id_claims.get("sub"):
        raise LoginRefused("jeton", "sub différent entre jeton d'identité et userinfo")
    return Identity(idp.name, str(id_claims["sub"]), userinfo, id_token, acr)


def check_acr(claims: dict, idp: Provider) -> str:
    """The level reached must be at least the one asked (eidas3 satisfies eidas2)."""
    acr = str(claims.get("acr", ""))
    if ASSURANCE.get(acr, 0) < ASSURANCE.get(idp.acr, 2):
        raise LoginRefused("niveau", f"acr {acr!r} pour {idp.acr!r} demandé")
    return acr


def logout_url(idp: Provider, id_token: str, post_logout_redirect_uri: str) -> str:
    query = {
        "id_token_hint": id_token,
        "state": secrets.token_urlsafe(32),
        "post_logout_redirect_uri": post_logout_redirect_uri,
    }
    return _endpoints(idp)["end_session_endpoint"] + "?" + urllib.parse.urlencode(query)


def read_token(token: str, idp: Provider, nonce: str | None = None) -> dict:
    """Decrypt (our keys), verify the inner signature (the provider's keys), check claims.

    Anything but a JWE wrapping an ES256 JWS is refused: an unencrypted or unsigned token is
    as bad as a forged one.
    """
    if not isinstance(token, str) or token.count(".") != 4:
        raise LoginRefused("jeton", "jeton non chiffré")
    try:
        inner = jwe.decrypt_compact(
            token, _our_keys(), registry=JWERegistry(algorithms=ENCRYPTIONS)
        ).plaintext
    except (JoseError, ValueError) as exc:
        raise LoginRefused("jeton", f"déchiffrement : {exc}") from exc
    signed = (inner or b"").decode("ascii", "replace")
    if signed.count(".") != 2:
        raise LoginRefused("jeton", "contenu non signé")
    try:
        header = json.loads(_b64decode(signed.split(".")[0]))
    except ValueError as exc:
        raise LoginRefused("jeton", "en-tête illisible") from exc
    if header.get("alg") not in SIGNATURES:
        raise LoginRefused("jeton", f"signature {header.get('alg')!r} refusée")
    try:
        claims = jwt.decode(signed, _provider_keys(idp, header.get("kid")), SIGNATURES).claims
        expected = {
            "iss": {"essential": True, "value": idp.issuer},
            "aud": {"essential": True, "value": idp.client_id},
            "exp": {"essential": True},
            "sub": {"essential": True},
        }
        if nonce is not None:
            expected["nonce"] = {"essential": True, "value": nonce}
        JWTClaimsRegistry(leeway=30, **expected).validate(claims)
    except (JoseError, ValueError) as exc:
        raise LoginRefused("jeton", f"vérification : {exc}") from exc
    return claims


# ------------------------------------------------------------------------------------------
# Talking to the provider


def _endpoints(idp: Provider) -> dict:
    return _discovery(idp.discovery_url)


@functools.lru_cache(maxsize=16)
def _discovery(url: str) -> dict:
    return _get_json(url)


def _provider_keys(idp: Provider, kid: str | None) -> KeySet:
    """The provider's signing keys; fetched again once when ``kid`` is unknown."""
    url = _endpoints(idp)["jwks_uri"]
    keys = _jwks(url)
    if kid and all(k.kid != kid for k in keys.keys):
        _jwks.cache_clear()
        keys = _jwks(url)
    return keys


@functools.lru_cache(maxsize=16)
def _jwks(url: str) -> KeySet:
    return KeySet.import_key_set(_get_json(url))


def _http(url: str, data: bytes | None = None, headers: dict | None = None):
    """A request to the provider: HTTPS (plain HTTP only outside production, for the demo
    provider on a developer's machine), never ``file:`` or another scheme."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme != "https" and not (scheme == "http" and settings.DEBUG_HTTP_PROVIDERS):
        raise LoginRefused("indisponible", f"adresse refusée : {url}")
    return urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310


def _request(request: urllib.request.Request) -> tuple[bytes, str]:
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            return response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        raise LoginRefused("fournisseur", f"{request.full_url} : HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise LoginRefused("indisponible", f"{request.full_url} : {exc}") from exc


def _get_json(url: str) -> dict:
    body, _ = _request(_http(url, headers={"Accept": "application/json"}))
    return _json(body)


def _post_json(url: str, form: dict) -> dict:
    data = urllib.parse.urlencode(form).encode()
    body, _ = _request(_http(url, data, {"Accept": "application/json"}))
    return _json(body)


def _get_jwt(url: str, access_token: str) -> str:
    body, kind = _request(_http(url, headers={"Authorization": f"Bearer {access_token}"}))
    if kind != "application/jwt":
        raise LoginRefused("jeton", f"userinfo en {kind}, pas en application/jwt")
    return body.decode("ascii", "replace").strip()


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body)
    except ValueError as exc:
        raise LoginRefused("fournisseur", "réponse illisible") from exc
    if not isinstance(value, dict):
        raise LoginRefused("fournisseur", "réponse illisible")
    return value


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _fresh(attempt: dict) -> bool:
    return time.time() - attempt.get("at", 0) < PENDING_SECONDS
