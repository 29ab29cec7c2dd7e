"""The demo identity provider: FranceConnect+'s protocol, with synthetic persons.

Enabled only by settings (``PASSEPORT_FOURNISSEUR_DEMO``: demo and tests), served at
``/fournisseur-demo/``: discovery, an authorize page listing synthetic persons, token
(``client_secret_post`` + PKCE), userinfo (``application/jwt``), JWKS and end-session. ID
token and userinfo are signed (ES256) with the demo key then encrypted to our published
keys (RSA-OAEP-256, A256GCM), exactly what ``oidc`` expects from FranceConnect+. Codes are
good once and for 30 s, access tokens for 60 s. Registration (client id, secret, our public
keys) is read from settings, as FranceConnect+ holds it from our onboarding.
"""

import hashlib
import json
import secrets
import time
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from joserfc import jwe, jwt
from joserfc.jwe import JWERegistry
from joserfc.jwk import ECKey, KeySet

from passeport.accounts import oidc
from passeport.accounts.models import DemoGrant
from passeport.identity.models import Holder

AUTHORIZE_PARAMS = (
    "response_type", "client_id", "redirect_uri", "scope", "acr_values", "state", "nonce",
    "code_challenge", "code_challenge_method", "prompt",
)  # fmt: skip
CODE_SECONDS = 30
TOKEN_SECONDS = 60
CLIENT = "demo"


def issuer(site_url: str) -> str:
    return oidc.provider(CLIENT, site_url).issuer


def discovery(site_url: str) -> dict:
    base = issuer(site_url)
    return {
        "issuer": base,
        "authorization_endpoint": base + "/authorize",
        "token_endpoint": base + "/token",
        "userinfo_endpoint": base + "/userinfo",
        "jwks_uri": base + "/jwks",
        "end_session_endpoint": base + "/session/end",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "acr_values_supported": ["eidas2", "eidas3"],
        "scopes_supported": oidc.SCOPES.split(),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "id_token_encryption_alg_values_supported": ["RSA-OAEP-256", "ECDH-ES"],
        "id_token_encryption_enc_values_supported": ["A256GCM"],
        "userinfo_signing_alg_values_supported": ["ES256"],
        "userinfo_encryption_alg_values_supported": ["RSA-OAEP-256", "ECDH-ES"],
        "userinfo_encryption_enc_values_supported": ["A256GCM"],
    }


def signing_key() -> ECKey:
    return ECKey.import_key(json.loads(settings.DEMO_PROVIDER_SIGNING_KEY))


def jwks() -> dict:
    return {"keys": [signing_key().as_dict(private=False)]}


# ------------------------------------------------------------------------------------------
# Synthetic persons: the first entries of the (synthetic) register, and two who are not in
# it: an adult (a passport is created at first login) and a 14-year-old (not eligible).


def persons(limit: int = 12) -> list[dict]:
    """Register entries with certifications first (their passport has something to show),
    then others, then the two persons the register does not know."""
    with_items = list(
        Holder.objects.filter(certifications__isnull=False)
        .distinct()
        .order_by("pk")[: max(limit - 2, 1)]
    )
    others = Holder.objects.exclude(pk__in=[h.pk for h in with_items]).order_by("pk")
    chosen = with_items + list(others[: limit - len(with_items)])
    people = [_from_register(h) for h in chosen]
    today = date.today()
    people.append(
        {
            "sub": _sub("hors-registre-adulte"),
            "given_name": "Maëlle Anne",
            "family_name": "NOUVELLE-PERSONNE",
            "birthdate": "1994-05-17",
            "gender": "female",
            "birthplace": "35238",
            "birthcountry": "99100",
        }
    )
    young = today.replace(year=today.year - 14) - timedelta(days=30)
    people.append(
        {
            "sub": _sub("hors-registre-mineur"),
            "given_name": "Noé",
            "family_name": "JEUNE",
            "birthdate": young.isoformat(),
            "gender": "male",
            "birthplace": "69123",
            "birthcountry": "99100",
        }
    )
    return people


def _from_register(h: Holder) -> dict:
    given = " ".join(n for n in (h.first_name1, h.first_name2, h.first_name3) if n)
    born_abroad = h.birth_insee.startswith("99") or bool(h.birth_country)
    return {
        "sub": _sub(f"registre-{h.pk}"),
        "given_name": given,
        "family_name": h.birth_name,
        "birthdate": f"{h.birth_year:04d}-{h.birth_month or 1:02d}-{h.birth_day or 1:02d}",
        "gender": "male" if h.sex == "M" else "female",
        "birthplace": "" if born_abroad else h.birth_insee,
        "birthcountry": "99" + h.birth_country
        if h.birth_country
        else (h.birth_insee if born_abroad else "99100"),
    }


def _sub(seed: str) -> str:
    """A stable pseudonymous subject per person, as FranceConnect+ gives per service."""
    return hashlib.sha256(f"passeport-demo:{seed}".encode()).hexdigest()


# ------------------------------------------------------------------------------------------
# The endpoints' work


class DemoError(Exception):
    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error, self.description = error, description


def check_authorize(params: dict, site_url: str) -> None:
    idp = oidc.provider(CLIENT, site_url)
    if params.get("client_id") != idp.client_id:
        raise DemoError("invalid_client", "client_id inconnu")
    if not params.get("redirect_uri", "").startswith(site_url.rstrip("/") + "/"):
        raise DemoError("invalid_request", "redirect_uri non enregistrée")
    if params.get("response_type") != "code":
        raise DemoError("unsupported_response_type", "seul response_type=code est accepté")
    if params.get("acr_values") not in ("eidas2", "eidas3"):
        raise DemoError("invalid_request", "acr_values doit valoir eidas2 ou eidas3")
    for name in ("state", "nonce"):
        if len(params.get(name, "")) < 32:
            raise DemoError("invalid_request", f"{name} doit compter au moins 32 caractères")
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        raise DemoError("invalid_request", "PKCE (S256) est exigé")


def grant(params: dict, person: dict) -> str:
    """The person chose themselves on the authorize page: a code for the client."""
    code = secrets.token_urlsafe(32)
    DemoGrant.objects.create(
        code=code,
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        nonce=params["nonce"],
        acr=params["acr_values"],
        code_challenge=params["code_challenge"],
        person=person,
    )
    return code


def token(form: dict, site_url: str) -> dict:
    idp = oidc.provider(CLIENT, site_url)
    if form.get("grant_type") != "authorization_code":
        raise DemoError("unsupported_grant_type", "authorization_code attendu")
    if form.get("client_id") != idp.client_id or not secrets.compare_digest(
        form.get("client_secret", ""), idp.client_secret
    ):
        raise DemoError("invalid_client", "identifiants du client incorrects")
    g = DemoGrant.objects.filter(code=form.get("code", "")).first()
    now = timezone.now()
    if (
        g is None
        or g.code_used_at is not None
        or (now - g.created_at).total_seconds() > CODE_SECONDS
        or g.redirect_uri != form.get("redirect_uri")
        or g.code_challenge != oidc._challenge(form.get("code_verifier", ""))
    ):
        raise DemoError("invalid_grant", "code inconnu, expiré, déjà utilisé ou PKCE faux")
    g.code_used_at = now
    g.access_token = secrets.token_urlsafe(32)
    g.token_issued_at = now
    g.save()
    claims = {
        "sub": g.person["sub"],
        "nonce": g.nonce,
        "acr": g.acr,
        "amr": ["pwd", "mfa"],
        "auth_time": int(time.time()),
        "sid": secrets.token_hex(16),
    }
    return {
        "access_token": g.access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_SECONDS,
        "id_token": nested_token(claims, site_url),
        "scope": oidc.SCOPES,
    }


def userinfo(access_token: str, site_url: str) -> str:
    g = DemoGrant.objects.filter(access_token=access_token).first() if access_token else None
    if g is None or (timezone.now() - g.token_issued_at).total_seconds() > TOKEN_SECONDS:
        raise DemoError("invalid_token", "jeton d'accès inconnu ou expiré")
    return nested_token(dict(g.person), site_url)


def nested_token(claims: dict, site_url: str, lifetime: int = TOKEN_SECONDS) -> str:
    """Sign (ES256, demo key), then encrypt to the client's first RSA key (as published)."""
    now = int(time.time())
    idp = oidc.provider(CLIENT, site_url)
    body = {"iss": idp.issuer, "aud": idp.client_id, "iat": now, "exp": now + lifetime, **claims}
    key = signing_key()
    signed = jwt.encode({"alg": "ES256", "kid": key.kid, "typ": "JWT"}, body, key)
    public = KeySet.import_key_set(oidc.public_jwks())
    target = next(k for k in public.keys if k.key_type == "RSA")
    header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": "JWT", "kid": target.kid}
    registry = JWERegistry(algorithms=oidc.ENCRYPTIONS)
    return jwe.encrypt_compact(header, signed.encode(), target, registry=registry)
