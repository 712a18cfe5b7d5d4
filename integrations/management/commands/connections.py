"""``python manage.py connections test`` and ``connections use-sandbox INFO_FILE``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.pages.connections.services import connections_test, connections_use_sandbox


class Command(BaseCommand):
    help = "Test the HubSpot and Salesforce connections, or point them at the sandbox."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("test", help="check both sides; exit 0 only when both work")
        sandbox = sub.add_parser("use-sandbox", help="use the emulators of `manage.py sandbox`")
        sandbox.add_argument("info_file", type=Path)
        sandbox.add_argument("--wait", type=float, default=0, help="seconds to wait for the file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "use-sandbox":
            self._use_sandbox(options["info_file"], options["wait"])
        else:
            self._test()

    def _use_sandbox(self, info_file: Path, wait: float) -> None:
        deadline = time.monotonic() + wait
        while not info_file.exists():
            if time.monotonic() > deadline:
                raise CommandError(f"{info_file} does not exist: is the sandbox running?")
            time.sleep(0.2)
        connections_use_sandbox(info=json.loads(info_file.read_text()))
        self.stdout.write("HubSpot and Salesforce connections now point at the sandbox.")
        self._test(must_pass=False)

    def _test(self, must_pass: bool = True) -> None:
        result = connections_test()
        for side, outcome in (("HubSpot", result.hubspot), ("Salesforce", result.salesforce)):
            if outcome.ok:
                self.stdout.write(self.style.SUCCESS(f"{side}: OK"))
                for label, value in outcome.details.items():
                    self.stdout.write(f"  {label}: {value}")
            else:
                self.stdout.write(self.style.ERROR(f"{side}: FAILED"))
                self.stdout.write(f"  {outcome.error}")
        if not result.ok and must_pass:
            raise CommandError("At least one connection failed.", returncode=1)
