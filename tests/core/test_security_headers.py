"""Security headers on every page, and ``check --deploy`` clean with production settings."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": "a-production-secret-key-" + "x" * 40 + "-of-many-different-characters",
    "ALLOWED_HOSTS": ["sync.example.com"],
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


def test_a_page_carries_the_security_headers(admin_web) -> None:
    response = admin_web.get("/")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "http" not in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_the_login_page_carries_them_too(client) -> None:
    response = client.get("/login/")

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_use_no_inline_script_or_style(admin_web) -> None:
    html = admin_web.get("/").content.decode()

    assert "<script>" not in html and "<style" not in html and " style=" not in html


@override_settings(**PRODUCTION)
def test_hsts_and_the_https_redirect_apply_when_set(client) -> None:
    plain = client.get("/login/", HTTP_HOST="sync.example.com")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")

    proxied = client.get("/login/", HTTP_HOST="sync.example.com", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_session_ends_after_twelve_hours_without_a_request(settings, admin_web) -> None:
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    response = admin_web.get("/")
    assert response.cookies["sessionid"]["max-age"] == 12 * 3600  # moved on by each request


@override_settings(**PRODUCTION)
def test_check_deploy_reports_nothing_with_the_production_settings(monkeypatch) -> None:
    # The browser tests set this in the test process (Playwright runs an event loop);
    # a deployment never has it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    out, err = StringIO(), StringIO()
    call_command("check", "--deploy", "--fail-level", "WARNING", stdout=out, stderr=err)

    assert "System check identified no issues" in out.getvalue(), out.getvalue() + err.getvalue()


def test_the_https_settings_come_from_the_environment_under_djangos_names() -> None:
    env = {
        **os.environ,
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "SESSION_COOKIE_AGE": "3600",
        "AXES_FAILURE_LIMIT": "3",
        "AXES_COOLOFF_MINUTES": "60",
    }
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_AGE",
        "AXES_FAILURE_LIMIT",
        "AXES_COOLOFF_TIME",
    ]
    script = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: str(getattr(s, n)) for n in {names!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "syncadmin.settings"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout

    assert json.loads(out) == {
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_SSL_REDIRECT": "True",
        "SECURE_PROXY_SSL_HEADER": "('HTTP_X_FORWARDED_PROTO', 'https')",
        "SESSION_COOKIE_AGE": "3600",
        "AXES_FAILURE_LIMIT": "3",
        "AXES_COOLOFF_TIME": "1:00:00",
    }
