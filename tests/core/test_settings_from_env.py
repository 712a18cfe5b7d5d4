"""Settings come from the environment; defaults need nothing installed."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "print(json.dumps({'debug': settings.DEBUG, 'secret': settings.SECRET_KEY,"
    "'engine': settings.DATABASES['default']['ENGINE'],"
    "'name': str(settings.DATABASES['default']['NAME']),"
    "'broker': 'redis' if 'redis' in settings.Q_CLUSTER else settings.Q_CLUSTER.get('orm'),"
    "'poll': settings.Q_CLUSTER['poll']}))"
)


def settings_with(tmp_path: Path, **env: str) -> dict:
    return json.loads(_probe(tmp_path, **env).stdout)


def _probe(tmp_path: Path, *, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG")
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env={
            **clean,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "syncadmin.settings",
            "SYNCADMIN_DATA_DIR": str(tmp_path / "data"),
            **env,
        },
        capture_output=True,
        text=True,
        check=check,
    )


def test_defaults_are_sqlite_orm_broker_debug_off_and_a_generated_key(tmp_path: Path) -> None:
    first = settings_with(tmp_path)
    assert first["debug"] is False
    assert first["engine"] == "django.db.backends.sqlite3"
    assert first["name"] == str(tmp_path / "data" / "syncadmin.sqlite3")
    assert first["broker"] == "default"
    assert first["poll"] == 0.1  # a job's units start within a tenth of a second
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text().strip() == first["secret"] and len(first["secret"]) >= 50
    assert settings_with(tmp_path)["secret"] == first["secret"]  # generated once, then kept


def test_environment_switches_to_postgresql_and_redis(tmp_path: Path) -> None:
    found = settings_with(
        tmp_path,
        DATABASE_URL="postgres://u@db.internal:5432/sync",
        REDIS_URL="redis://cache.internal:6379/0",
        SECRET_KEY="from-the-environment",
        DEBUG="true",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["broker"] == "redis"
    assert found["secret"] == "from-the-environment"
    assert found["debug"] is True
    assert not (tmp_path / "data" / "secret_key").exists()


def test_the_database_brokers_poll_interval_is_a_setting_and_must_be_positive(
    tmp_path: Path,
) -> None:
    assert settings_with(tmp_path, Q_POLL_S="0.5")["poll"] == 0.5
    refused = _probe(tmp_path, check=False, Q_POLL_S="0")
    assert refused.returncode != 0
    assert "Q_POLL_S must be more than 0 and at most 10 seconds" in refused.stderr
