"""``python manage.py sandbox``: the HubSpot and Salesforce emulators, in the foreground."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from integrations.sandbox.hubspot.app import HubSpotEmulator
from integrations.sandbox.latency import MODELS
from integrations.sandbox.salesforce.app import SalesforceEmulator
from integrations.sandbox.server import local_tls, start_server


class Command(BaseCommand):
    help = "Run the HubSpot (HTTP) and Salesforce (HTTPS) API emulators until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--hubspot-port", type=int, default=8101, help="0 picks a free port")
        parser.add_argument("--salesforce-port", type=int, default=8102, help="0 picks a free port")
        parser.add_argument("--seed", choices=["demo", "empty", "bench"], default="demo")
        parser.add_argument("--contacts", type=int, default=None, help="demo size (contacts)")
        parser.add_argument("--latency-ms", type=int, default=0, help="added to every API call")
        parser.add_argument(
            "--latency-model",
            choices=MODELS,
            default="fast",
            help="realistic: per-endpoint vendor latencies with jitter (docs/sandbox.md)",
        )
        parser.add_argument(
            "--latency-seed", type=int, default=0, help="seed of the realistic model's jitter"
        )
        parser.add_argument("--info-file", type=Path, default=None, help="write connection JSON")
        parser.add_argument(
            "--state-file", type=Path, default=None, help="load at start, save on exit"
        )
        parser.add_argument("--bench", action="store_true", help="print requests/s every 5 s")

    def handle(self, *args: Any, **options: Any) -> None:
        host = options["host"]
        latency = {
            "latency_ms": options["latency_ms"],
            "latency_model": options["latency_model"],
            "latency_seed": options["latency_seed"],
        }
        hubspot = HubSpotEmulator(**latency)
        salesforce = SalesforceEmulator(**latency)
        state_file: Path | None = options["state_file"]
        started = time.monotonic()
        if state_file and state_file.exists():
            state = json.loads(state_file.read_text())
            hubspot.load_state(state["hubspot"])
            salesforce.load_state(state["salesforce"])
            self.stdout.write(f"Loaded sandbox state from {state_file}")
        else:
            for emulator in (hubspot, salesforce):
                emulator.reset(seed=options["seed"], contacts=options["contacts"])
        seeded_in = time.monotonic() - started

        tls = local_tls(settings.DATA_DIR / "sandbox")
        hs_server = start_server(hubspot, host, options["hubspot_port"])
        sf_server = start_server(salesforce, host, options["salesforce_port"], tls.ssl_context)
        url_host = f"[{host}]" if ":" in host else host
        info = {
            "hubspot": hubspot.connection_info(f"http://{url_host}:{hs_server.server_port}"),
            "salesforce": salesforce.connection_info(
                f"https://{url_host}:{sf_server.server_port}", str(tls.ca_bundle)
            ),
        }
        if options["info_file"]:
            tmp = options["info_file"].with_suffix(".tmp")
            tmp.write_text(json.dumps(info, indent=2))
            tmp.replace(options["info_file"])
        self.stdout.write(
            f"Sandbox ready (seed {options['seed']}, {seeded_in:.1f} s, "
            f"latency {options['latency_model']}): "
            f"HubSpot {info['hubspot']['base_url']}  "
            f"Salesforce {info['salesforce']['instance_url']}"
        )

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        while not stop.wait(5):
            if options["bench"]:
                self.stdout.write(
                    f"sandbox.hubspot_rps={hubspot.requests_per_second():.0f} "
                    f"sandbox.salesforce_rps={salesforce.requests_per_second():.0f}"
                )
        hs_server.shutdown()
        sf_server.shutdown()
        if state_file:
            state_file.write_text(
                json.dumps({"hubspot": hubspot.dump_state(), "salesforce": salesforce.dump_state()})
            )
            self.stdout.write(f"Saved sandbox state to {state_file}")
        self.stdout.write("Sandbox stopped.")
