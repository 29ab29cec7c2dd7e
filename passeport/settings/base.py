"""Django settings for Passeport, entirely driven by the environment.

- ``DATABASE_URL``: PostgreSQL in production and tests; SQLite file ``var/passeport.sqlite3``
  by default (the embedded demo).
- ``PASSEPORT_ENV``: ``production`` makes every secret mandatory; anything else generates
  development values once (see ``secrets.py``).
- ``PASSEPORT_VAR_DIR``: where the SQLite file, raw deposits and caches live.
- ``PASSEPORT_REFERENTIELS``: folder of the open-data referentials.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from passeport.settings import secrets as _secrets

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PASSEPORT_VAR_DIR", PROJECT_DIR / "var")).resolve()
ENV = os.environ.get("PASSEPORT_ENV", "dev")
PRODUCTION = ENV == "production"

_keys = _secrets.load(VAR_DIR, PRODUCTION)
SECRET_KEY = _keys["PASSEPORT_SECRET_KEY"]
NIR_HMAC_KEY = _keys["PASSEPORT_NIR_HMAC_KEY"]
NIR_ENC_KEY = _keys["PASSEPORT_NIR_ENC_KEY"]
OIDC_ENCRYPTION_KEYS = _keys["PASSEPORT_OIDC_CLES"]  # private JWK set (JSON)
TRANSPARENCY_LOG_KEY = _keys["PASSEPORT_TRANSPARENCE_CLE"]  # Ed25519, Multikey
CREDENTIAL_KEY = _keys["PASSEPORT_VC_CLE"]  # Ed25519, Multikey: signs the issued VCs
# The public address of the service: QR codes and links printed on issued documents.
PUBLIC_URL = os.environ.get("PASSEPORT_URL_PUBLIQUE", "http://127.0.0.1:8000").rstrip("/")

# Identity providers of the holders' login (OpenID Connect, FranceConnect+ profile), as JSON:
# {"franceconnect": {"label": "FranceConnect+", "issuer": "https://auth.franceconnect.gouv.fr/api/v2",
#  "client_id": "…", "client_secret": "…", "acr": "eidas2"}, "autre": {…}}. Any number of
# them; each gets its button on the login page.
IDENTITY_PROVIDERS = json.loads(os.environ.get("PASSEPORT_FOURNISSEURS_IDENTITE", "{}"))
# Identity providers over plain HTTP (the demo provider on a developer's machine): never in
# production.
DEBUG_HTTP_PROVIDERS = not PRODUCTION
# The demo identity provider (same protocol, synthetic persons): demo and tests only.
DEMO_IDENTITY_PROVIDER = (
    os.environ.get("PASSEPORT_FOURNISSEUR_DEMO", "0" if PRODUCTION else "1") == "1"
)
if DEMO_IDENTITY_PROVIDER:
    DEMO_PROVIDER_SIGNING_KEY = _keys["PASSEPORT_FOURNISSEUR_DEMO_CLE"]
    IDENTITY_PROVIDERS.setdefault(
        "demo",
        {
            "label": "FranceConnect+ (démonstration)",
            # None: this site's own /fournisseur-demo, whatever its address
            "issuer": os.environ.get("PASSEPORT_FOURNISSEUR_DEMO_URL") or None,
            "client_id": "passeport-demo",
            "client_secret": _keys["PASSEPORT_FOURNISSEUR_DEMO_SECRET"],
            "acr": "eidas2",
        },
    )

DEBUG = os.environ.get("PASSEPORT_DEBUG", "0" if PRODUCTION else "1") == "1"
ALLOWED_HOSTS = os.environ.get("PASSEPORT_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("PASSEPORT_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dsfr",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "passeport.core",
    "passeport.identity",
    "passeport.certifiers",
    "passeport.records",
    "passeport.access",
    "passeport.accounts",
    "passeport.documents",
    "passeport.www",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "passeport.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "passeport.core.middleware.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

# Password guessing: after 5 failures for one identifier from one address, logins are
# refused for 15 minutes (django-axes; the TOTP code has django-otp's own throttling).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("PASSEPORT_ESSAIS_CONNEXION", 5))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "passeport.accounts.lockout.locked_out"

ROOT_URLCONF = "passeport.urls"
WSGI_APPLICATION = "passeport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dsfr.context_processors.site_config",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'passeport.sqlite3'}"),
        conn_max_age=0,
    )
}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # A second connection to the same database: progress written there is visible at
    # once, while the deposit itself is processed in one long transaction on "default".
    DATABASES["progress"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["passeport.core.progress.ProgressRouter"]
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "progress": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "passeport_progress",
        },
    }
else:
    DATABASES["default"]["OPTIONS"] = {"timeout": 30}
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "progress": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "progress"),
        },
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    # Raw inbound files and the reports we answer, content-addressed by sha256.
    "raw": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "raw"), "file_permissions_mode": 0o440},
    },
    # Holders' attestations: private, served by a view to their holder only.
    "attestations": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "attestations"), "file_permissions_mode": 0o600},
    },
    # Issued (sealed) documents: private, served to their holder and through share links.
    "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "documents"), "file_permissions_mode": 0o600},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
OTP_TOTP_ISSUER = "Passeport"
LOGIN_URL = "www:connexion"
LOGIN_REDIRECT_URL = "www:depots"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS only in production (behind a proxy: PASSEPORT_PROXY_HTTPS=1 trusts X-Forwarded-Proto).
SECURE_HSTS_SECONDS = 31_536_000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION
if os.environ.get("PASSEPORT_PROXY_HTTPS") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A session ends after 30 minutes without a request, as FranceConnect+'s own
# (core.middleware.SlidingSessionMiddleware renews it).
SESSION_COOKIE_AGE = 30 * 60
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Uploads stream to a temporary file above this size instead of living in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

PASSEPORT = {
    "DEPOSIT_MAX_BYTES": int(os.environ.get("PASSEPORT_DEPOT_TAILLE_MAX", 200 * 1000 * 1000)),
    "REFERENTIELS_DIR": os.environ.get(
        "PASSEPORT_REFERENTIELS", str(PROJECT_DIR.parent / "shared" / "referentiels")
    ),
    "BATCH_SIZE": int(os.environ.get("PASSEPORT_LOT", 2000)),
    # From this size, a deposit is validated by a second process while it is read.
    "PARALLEL_CHECK_BYTES": int(os.environ.get("PASSEPORT_VALIDATION_PARALLELE", 8_000_000)),
    "LOCK_DIR": str(VAR_DIR / "locks"),
    "ATTESTATION_MAX_BYTES": 10 * 1024 * 1024,
    # JSON-LD contexts, read offline (documents/contexts.py lists which file is which URL).
    "CONTEXTES_JSONLD": os.environ.get(
        "PASSEPORT_CONTEXTES_JSONLD", str(PROJECT_DIR.parent / "shared" / "vectors")
    ),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "passeport": {"handlers": ["console"], "level": "INFO"},
        "django_tasks": {"handlers": ["console"], "level": "WARNING"},
    },
}
