"""The audit trail's maintenance commands.

    python manage.py audit verify                 # walk the whole hash chain
    python manage.py audit verify --incremental   # on from the last verified event

``verify`` prints ``chain verified: N events, up to #ID`` and the head's hash (note
it somewhere else: a later walk that ends in another hash at that id means the
trail was rewritten) and exits 0, or prints the first broken link and exits 1.
The result is recorded for the audit page either way.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.services.audit_verify import chain_check, chain_result_text


class Command(BaseCommand):
    help = "Audit trail maintenance: `audit verify` checks the hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        verify = commands.add_parser(
            "verify",
            help="walk the hash chain in id order; exit 1 at the first broken link",
            description="Walk the hash chain in id order; exit 1 at the first broken link.",
        )
        verify.add_argument(
            "--incremental",
            action="store_true",
            help="go on from the event the last passing verification ended at",
        )
        verify.add_argument("--chunk-size", type=int, default=2000, help="rows read at a time")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "verify":
            self._verify(incremental=options["incremental"], chunk_size=options["chunk_size"])

    def _verify(self, *, incremental: bool, chunk_size: int) -> None:
        result = chain_check(full=not incremental, chunk_size=max(1, chunk_size))
        text = chain_result_text(result)
        if result.ok:
            self.stdout.write(text)
            return
        self.stderr.write(text)
        sys.exit(1)
