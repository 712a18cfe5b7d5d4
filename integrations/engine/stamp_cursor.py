"""Where a read of Salesforce records by ``SystemModstamp`` resumes, without a gap or a re-read.

SOQL compares dateTime literals to the second. Reading ``> cursor`` would miss a
record written later in the cursor's own second; reading ``>= cursor`` alone would
read the cursor's records again every run (and sync them again). So the cursor holds
the newest stamp and the ids already handled at it (``"<stamp>|<id>,<id>"``): the read
is ``>=`` the stamp's second, and what was handled is passed over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrations.vendor_time import vendor_time


@dataclass
class StampCursor:
    stamp: datetime | None = None
    handled: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str) -> StampCursor:
        stamp, _, ids = (text or "").partition("|")
        return cls(stamp=vendor_time(stamp), handled={i for i in ids.split(",") if i})

    def text(self) -> str:
        if self.stamp is None:
            return ""
        stamp = self.stamp.isoformat(timespec="milliseconds")
        return f"{stamp}|{','.join(sorted(self.handled))}"

    def is_new(self, record: dict[str, Any]) -> bool:
        """Not read before: newer than the cursor, or at its stamp and not handled."""
        stamp = vendor_time(record.get("SystemModstamp"))
        if self.stamp is None or stamp is None:
            return True
        return stamp > self.stamp or (stamp == self.stamp and record["Id"] not in self.handled)

    def advance(self, records: list[dict[str, Any]]) -> None:
        """Past ``records`` (read in ``SystemModstamp`` order)."""
        for record in records:
            stamp = vendor_time(record.get("SystemModstamp"))
            if stamp is None:
                continue
            if self.stamp is None or stamp > self.stamp:
                self.stamp, self.handled = stamp, {record["Id"]}
            elif stamp == self.stamp:
                self.handled.add(record["Id"])
