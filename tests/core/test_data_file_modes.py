"""Files under the data folder are the owner's alone: 0600 files in a 0700 folder."""

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from integrations.sandbox.server import local_tls


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_folder_its_keys_and_database_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SYNCADMIN_ENCRYPTION_KEYS"}
    }
    env["SYNCADMIN_DATA_DIR"] = str(data)
    script = (
        "import os; os.umask(0o022); import django; django.setup(); "
        "from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); "
        "from integrations.secrets import encrypt; encrypt('x')"
    )
    subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "syncadmin.settings"},
        check=True,
        timeout=120,
    )

    assert _mode(data) == 0o700
    for name in ("secret_key", "encryption_key", "syncadmin.sqlite3"):
        assert (data / name).exists(), name
        assert _mode(data / name) == 0o600, name
    for sidecar in data.glob("syncadmin.sqlite3-*"):
        assert _mode(sidecar) == 0o600, sidecar.name


def test_the_sandbox_ca_folder_is_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        tls = local_tls(tmp_path / "sandbox")
    finally:
        os.umask(old)

    assert _mode(tmp_path / "sandbox") == 0o700
    assert _mode(tls.ca_bundle) == 0o600
    assert [p.name for p in (tmp_path / "sandbox").iterdir()] == ["sandbox-ca.pem"]
