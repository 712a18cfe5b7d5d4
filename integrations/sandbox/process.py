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
        return self.control("GET", "calls")


class Sandbox:
    """A ``python manage.py sandbox`` child process on free loopback ports."""

    def __init__(self, workdir: Path, seed: str = "empty", extra_args: list[str] | None = None):
        self.info_file = workdir / "sandbox-info.json"
        self.log_file = workdir / "sandbox.log"
        env = {**os.environ, "SYNCADMIN_DATA_DIR": str(workdir)}
        args = [sys.executable, str(ROOT / "manage.py"), "sandbox", "--hubspot-port", "0"]
        args += ["--salesforce-port", "0", "--seed", seed, "--info-file", str(self.info_file)]
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

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()
