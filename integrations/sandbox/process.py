"""Run the sandbox emulators in a child process and drive their control API.

Used by the test suite and the benchmarks, which need the emulators exactly as
``python manage.py sandbox`` serves them, on free loopback ports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SandboxSide:
    base_url: str
    verify: str | bool = True

    def control(self, method: str, path: str, json_body: Any = None) -> Any:
        response = requests.request(
            method,
            f"{self.base_url}/__sandbox__/{path.lstrip('/')}",
            json=json_body,
            verify=self.verify,
            timeout=60,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self, seed: str = "empty", contacts: int | None = None) -> None:
        self.control("POST", "reset", {"seed": seed, "contacts": contacts})

    def fault(self, **rule: Any) -> None:
        self.control("POST", "faults", rule)

    def calls(self) -> dict[str, Any]:
        """Call counts, and under ``limits`` the peaks and refusals the emulator saw."""
        return self.control("GET", "calls")

    def settings(self, **changes: Any) -> dict[str, Any]:
        """The emulator's settings, after applying ``changes`` (e.g. ``latency_model``)."""
        return self.control("PATCH" if changes else "GET", "settings", changes or None)


class Sandbox:
    """A ``python manage.py sandbox`` child process on free loopback ports."""

    def __init__(
        self,
        workdir: Path,
        seed: str = "empty",
        extra_args: list[str] | None = None,
        *,
        latency_model: str = "fast",
        latency_ms: int = 0,
        latency_seed: int = 0,
    ):
        """``latency_model`` "realistic" answers with the vendors' per-endpoint latencies
        (``integrations/sandbox/latency.py``); ``latency_ms`` adds a fixed delay to
        every call on top."""
        self.info_file = workdir / "sandbox-info.json"
        self.log_file = workdir / "sandbox.log"
        env = {**os.environ, "SYNCADMIN_DATA_DIR": str(workdir)}
        args = [sys.executable, str(ROOT / "manage.py"), "sandbox", "--hubspot-port", "0"]
        args += ["--salesforce-port", "0", "--seed", seed, "--info-file", str(self.info_file)]
        args += ["--latency-model", latency_model, "--latency-seed", str(latency_seed)]
        if latency_ms:
            args += ["--latency-ms", str(latency_ms)]
        self._log = self.log_file.open("wb")
        self.process = subprocess.Popen(
            args + (extra_args or []), cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while not self.info_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"sandbox did not start:\n{self.log_file.read_text()}")
            time.sleep(0.05)
        self.info: dict[str, Any] = json.loads(self.info_file.read_text())
        self.hubspot = SandboxSide(self.info["hubspot"]["base_url"])
        self.salesforce = SandboxSide(
            self.info["salesforce"]["instance_url"], self.info["salesforce"]["ca_bundle"]
        )

    def reset(self, seed: str = "empty", contacts: int | None = None) -> None:
        self.hubspot.reset(seed, contacts)
        self.salesforce.reset(seed, contacts)

    # --- breaking credentials the way the vendors do ----------------------------------
    def salesforce_password_change(
        self, password: str = "changed-by-an-admin-1", *, expire_sessions: bool = True
    ) -> None:
        """An admin resets the integration user's password (and security token) in
        Salesforce: syncadmin's saved credentials now log in with ``INVALID_LOGIN``."""
        self.salesforce.control(
            "POST",
            "integration-user/password",
            {"password": password, "expire_sessions": expire_sessions},
        )

    def salesforce_password_restore(self) -> None:
        """The integration user's password and token are the ones syncadmin saved again."""
        self.salesforce.control("DELETE", "integration-user/password")

    def salesforce_api_enabled(self, enabled: bool) -> None:
        """Give or take the integration user's "API Enabled": REST calls answer 403
        ``API_DISABLED_FOR_ORG`` without it."""
        self.salesforce.control("PATCH", "settings", {"api_enabled": enabled})

    def hubspot_token_revoke(self, revoked: bool = True) -> None:
        """The private app's token is deleted or rotated in HubSpot: every call answers 401."""
        self.hubspot.control("PATCH", "token", {"revoked": revoked})

    def hubspot_scopes_remove(self, *scopes: str) -> None:
        """Take ``scopes`` from the private app (none: give them all back); calls that
        need one answer 403 ``MISSING_SCOPES``."""
        self.hubspot.control("PATCH", "token", {"missing_scopes": list(scopes)})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()
