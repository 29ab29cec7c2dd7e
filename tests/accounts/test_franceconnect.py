"""Holders' login with FranceConnect+'s protocol, against the demo provider, over real HTTP.

The browser is played by an HTTP client with cookies: our views call the provider's token,
userinfo and JWKS endpoints over HTTP, as they would call FranceConnect+, so everything runs
on the live server. Then the refused logins, each with its French page and no session.
"""

import html
import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from joserfc import jwe, jwt
from joserfc.jwe import JWERegistry
from joserfc.jwk import ECKey, KeySet

from passeport.accounts import demo_provider, oidc
from passeport.accounts.holder_login import pivot_claim
from passeport.accounts.models import DemoGrant, HolderAccount, ProviderLink
from passeport.identity.models import Holder
from tests.factories import HolderFactory

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


class Browser:
    """Cookies, redirects followed, CSRF tokens read from the pages."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"Referer": self.base + "/"})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.geturl(), html.unescape(response.read().decode())
        except urllib.error.HTTPError as exc:
            return exc.code, exc.geturl(), html.unescape(exc.read().decode())

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def start_login(self) -> tuple[str, str]:
        """Login page → our start → the provider's authorize page (url, html)."""
        status, _, html = self.open("/connexion/")
        assert status == 200
        assert "S'identifier avec" in html
        status, url, html = self.open("/connexion/demo/", {"csrfmiddlewaretoken": self.csrf()})
        assert status == 200, html
        assert "/fournisseur-demo/authorize?" in url
        return url, html

    def choose(self, html: str, sub: str, **extra) -> tuple[int, str, str]:
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
        return self.open("/fournisseur-demo/authorize", {**fields, "personne": sub, **extra})


def _sub_of(html: str, name: str) -> str:
    for value, label in re.findall(r'value="([0-9a-f]{64})"[^>]*>\s*<label[^>]*>\s*([^<]+)', html):
        if name in label:
            return value
    raise AssertionError(f"{name} absent de la page du fournisseur")


@pytest.fixture
def site(live_server, settings):
    return live_server.url


def test_the_authorize_request_is_franceconnect_plus_shaped(site):
    url, _ = Browser(site).start_login()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["acr_values"] == ["eidas2"]
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["redirect_uri"] == [site + "/connexion-retour/"]
    assert "openid" in query["scope"][0] and "birthdate" in query["scope"][0]


def test_a_registered_person_logs_in_and_finds_their_passport(site):
    holder = HolderFactory(birth_name="Lambert", first_name1="Odile", sex="F", birth_year=1980)
    browser = Browser(site)
    _, html = browser.start_login()
    status, url, page = browser.choose(html, _sub_of(html, "Odile Lambert"))
    assert status == 200, page
    assert url == site + "/bienvenue/"  # first visit: the terms of use
    assert "Conditions générales d'utilisation du passeport (version 2026-11)" in page
    status, _, page = browser.open("/bienvenue/", {"csrfmiddlewaretoken": browser.csrf()})
    assert status == 400 and "Cochez la case pour accepter" in page
    status, url, page = browser.open(
        "/bienvenue/", {"csrfmiddlewaretoken": browser.csrf(), "accepter": "1"}
    )
    assert url == site + "/bienvenue/visite/"
    for space in ("Mon parcours", "Mes compétences", "Mes CV", "Mon avenir"):
        assert f">{space}</h2>" in page
    account = HolderAccount.objects.get()
    assert account.terms_version == "2026-11" and len(account.terms_hash) == 64
    assert account.terms_accepted_at is not None
    status, url, page = browser.open("/mon-passeport/")
    assert "<h1>Mon parcours</h1>" in page
    assert "Odile Lambert" in page
    account = HolderAccount.objects.get()
    assert account.holder == holder  # found by the matching funnel, not created
    link = ProviderLink.objects.get()
    assert (link.provider, link.account) == ("demo", account)

    # Logout: our session ends, then the provider's end-session sends back home.
    status, url, page = browser.open("/deconnexion/", {"csrfmiddlewaretoken": browser.csrf()})
    assert status == 200
    assert url.startswith(site + "/?state=")
    status, url, _ = browser.open("/mon-passeport/")
    assert url.startswith(site + "/connexion/")

    # Next time, the provider's sub is the key: even if the register entry's names change.
    Holder.objects.filter(pk=holder.pk).update(first_name1="Odette")
    _, html = browser.start_login()
    status, url, _ = browser.choose(html, link.sub)
    assert url == site + "/mon-passeport/"
    assert HolderAccount.objects.count() == 1 and ProviderLink.objects.count() == 1


def test_a_person_unknown_to_the_register_gets_a_new_passport(site):
    browser = Browser(site)
    _, html = browser.start_login()
    status, url, page = browser.choose(html, _sub_of(html, "NOUVELLE-PERSONNE"))
    assert url == site + "/bienvenue/", page
    holder = HolderAccount.objects.get().holder
    assert (holder.birth_name, holder.first_name1, holder.first_name2) == (
        "NOUVELLE-PERSONNE",
        "Maëlle",
        "Anne",
    )
    assert holder.nir_hash is None  # no NIR: not in the national register yet
    browser.open("/bienvenue/", {"csrfmiddlewaretoken": browser.csrf(), "accepter": "1"})
    assert "Aucun élément pour le moment" in browser.open("/mon-passeport/")[2]


def test_under_16_is_told_why_and_gets_no_session(site):
    browser = Browser(site)
    _, html = browser.start_login()
    status, _, page = browser.choose(html, _sub_of(html, "JEUNE"))
    assert status == 403
    assert "Le passeport est ouvert à partir de 16 ans (15 ans" in " ".join(page.split())
    assert not HolderAccount.objects.exists()
    assert browser.open("/mon-passeport/")[1].startswith(site + "/connexion/")


def test_cancelling_at_the_provider_is_a_refused_login(site):
    browser = Browser(site)
    _, html = browser.start_login()
    status, _, page = browser.choose(html, "", annuler="1")
    assert status == 403
    assert "Le fournisseur d'identité a refusé ou interrompu la connexion." in page
    assert not HolderAccount.objects.exists()


def test_a_replayed_return_is_refused(site):
    HolderFactory(birth_name="Roux", first_name1="Paul")
    browser = Browser(site)
    _, html = browser.start_login()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    state = fields["state"]
    browser.choose(html, _sub_of(html, "Paul Roux"))
    code = DemoGrant.objects.get().code
    # The same state (and code) a second time, in the same or another browser.
    for again in (browser, Browser(site)):
        status, _, page = again.open(f"/connexion-retour/?code={code}&state={state}")
        assert status == 403
        assert "inconnue, expirée ou a déjà servi" in page


# ------------------------------------------------------------------------------------------
# Tokens that must be refused (read_token, the very code of the login)


@pytest.fixture
def idp(site):
    return oidc.provider("demo", site)


def _token(site, claims: dict | None = None, lifetime: int = 60, **overrides) -> dict:
    now = int(time.time())
    idp = oidc.provider("demo", site)
    body = {"iss": idp.issuer, "aud": idp.client_id, "sub": "s", "nonce": "n" * 43}
    body.update(iat=now, exp=now + lifetime, acr="eidas2", **(claims or {}))
    return body


def _sign(body: dict, key=None) -> str:
    key = key or demo_provider.signing_key()
    return jwt.encode({"alg": "ES256", "kid": key.kid}, body, key)


def _encrypt(payload: str) -> str:
    target = next(k for k in KeySet.import_key_set(oidc.public_jwks()).keys if k.key_type == "RSA")
    header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": "JWT", "kid": target.kid}
    return jwe.encrypt_compact(
        header, payload.encode(), target, registry=JWERegistry(algorithms=oidc.ENCRYPTIONS)
    )


def test_a_well_formed_token_is_read(site, idp):
    claims = oidc.read_token(_encrypt(_sign(_token(site))), idp, nonce="n" * 43)
    assert claims["acr"] == "eidas2"


@pytest.mark.parametrize(
    "case",
    ["unencrypted", "unsigned", "tampered", "other-key", "expired", "nonce", "issuer", "audience"],
)
def test_a_bad_token_is_refused(site, idp, case):
    body = _token(site)
    if case == "unencrypted":
        token = _sign(body)
    elif case == "unsigned":
        header = {"alg": "none", "typ": "JWT"}
        token = _encrypt(".".join(jwt_part(x) for x in (header, body)) + ".")  # an "alg: none" JWS
    elif case == "tampered":
        signed = _sign(body)
        head, payload, signature = signed.split(".")
        forged = jwt_part({**body, "sub": "quelqu-un-d-autre"})
        token = _encrypt(f"{head}.{forged}.{signature}")
    elif case == "other-key":
        token = _encrypt(_sign(body, ECKey.generate_key("P-256", parameters={"kid": "x"})))
    elif case == "expired":
        token = _encrypt(_sign(_token(site, lifetime=-120)))
    elif case == "nonce":
        token = _encrypt(_sign(_token(site, {"nonce": "autre" * 9})))
    elif case == "issuer":
        token = _encrypt(_sign(_token(site, {"iss": "https://ailleurs.example"})))
    else:
        token = _encrypt(_sign(_token(site, {"aud": "un-autre-client"})))
    with pytest.raises(oidc.LoginRefused) as refused:
        oidc.read_token(token, idp, nonce="n" * 43)
    assert refused.value.reason == "jeton"


def jwt_part(value: dict) -> str:
    import base64

    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_our_jwks_publishes_public_encryption_keys_only(site):
    status, _, body = Browser(site).open("/oidc/jwks")
    keys = json.loads(body)["keys"]
    assert status == 200
    assert {k["kty"] for k in keys} == {"RSA", "EC"}
    assert all(k["use"] == "enc" and "d" not in k for k in keys)


def test_identity_pivot_becomes_a_matching_claim():
    claim = pivot_claim(
        {
            "family_name": "DUPONT",
            "given_name": "Jean Pierre Marie",
            "birthdate": "1970-02-03",
            "gender": "male",
            "birthplace": "",
            "birthcountry": "99351",
        }
    )
    assert (claim.first_name1, claim.first_name2, claim.first_name3) == ("Jean", "Pierre", "Marie")
    assert (claim.birth_year, claim.birth_month, claim.birth_day) == (1970, 2, 3)
    assert (claim.sex, claim.birth_insee, claim.birth_country) == ("M", "99351", "351")


def test_a_second_provider_is_added_by_configuration(site, settings):
    """An « alternative to FranceConnect+ »: one more entry, its own button and links."""
    demo = settings.IDENTITY_PROVIDERS["demo"]
    settings.IDENTITY_PROVIDERS = {
        **settings.IDENTITY_PROVIDERS,
        "alternative": {**demo, "label": "Solution alternative", "franceconnect": False},
    }
    HolderFactory(birth_name="Marchand", first_name1="Iris", sex="F")
    browser = Browser(site)
    _, _, page = browser.open("/connexion/")
    assert "Se connecter avec Solution alternative" in page
    status, url, html = browser.open(
        "/connexion/alternative/", {"csrfmiddlewaretoken": browser.csrf()}
    )
    assert "/fournisseur-demo/authorize?" in url
    status, url, _ = browser.choose(html, _sub_of(html, "Iris Marchand"))
    assert url == site + "/bienvenue/"
    assert ProviderLink.objects.get().provider == "alternative"


@pytest.mark.parametrize(
    "acr, accepted", [("eidas2", True), ("eidas3", True), ("eidas1", False), ("", False)]
)
def test_the_level_of_assurance_must_reach_the_one_asked(site, idp, acr, accepted):
    if accepted:
        assert oidc.check_acr({"acr": acr}, idp) == acr
    else:
        with pytest.raises(oidc.LoginRefused) as refused:
            oidc.check_acr({"acr": acr}, idp)
        assert refused.value.reason == "niveau"
        assert "eIDAS substantiel" in str(oidc.REASONS["niveau"])
