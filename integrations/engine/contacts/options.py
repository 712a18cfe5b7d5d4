"""What a contact sync run is asked to do: which contacts, read how."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class Mode:
    """Which HubSpot contacts a run reads."""

    #: those modified since the stream's cursor (every contact on the first run)
    INCREMENTAL = "incremental"
    #: every contact
    ALL = "all"
    #: the inclusion list's members (every contact without a list)
    LIST = "list"
    #: one contact, by email, HubSpot id or Salesforce id
    ONE = "one"
    #: every Salesforce lead and contact into HubSpot (email only), then every contact
    IMPORT = "import"
    #: the records of open errors that Sync health's Retry asks for
    RETRY = "retry"


@dataclass(frozen=True)
class ContactOptions:
    """A run's options, fixed when it starts; a pass that reads differently is handed a
    changed copy (``dataclasses.replace``), never a run whose options moved under it."""

    mode: str = Mode.INCREMENTAL
    #: ``Mode.ONE``: the contact asked for
    contact: str = ""
    #: ``Mode.RETRY``: the record keys (``hs:<id>``, ``sf:<id>``) to try again
    records: tuple[str, ...] = ()

    @classmethod
    def of_job(cls, params: Mapping[str, Any]) -> ContactOptions:
        return cls(
            mode=params.get("mode", Mode.INCREMENTAL),
            contact=params.get("contact", ""),
            records=tuple(params.get("records", ())),
        )
