"""Production settings: HTTPS everywhere, secure cookies, no demo identity provider."""

import json
import os
import subprocess
import sys

from passeport.settings import secrets as project_secrets


def test_production_settings_are_strict(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PASSEPORT_")},
        "PASSEPORT_ENV": "production",
        "PASSEPORT_VAR_DIR": str(tmp_path),
        "PASSEPORT_ALLOWED_HOSTS": "passeport.example.gouv.fr",
        **{name: generate() for name, generate in project_secrets.GENERATORS.items()},
    }
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEMO_IDENTITY_PROVIDER, "
        "sorted(s.IDENTITY_PROVIDERS), s.DEBUG_HTTP_PROVIDERS]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "passeport.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout) == [False, 31_536_000, True, True, True, False, [], False]
