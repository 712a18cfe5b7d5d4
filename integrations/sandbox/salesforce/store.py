"""The sandbox org's records: validation, system fields, indexes and an undo journal.

Records are plain dicts, replaced (never mutated) on every write so that query
cursors keep a consistent snapshot. Each object's dict is kept in
``SystemModstamp`` order (a write moves the record to the end), which makes the
incremental ``ORDER BY SystemModstamp`` read a walk rather than a sort.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.sandbox.salesforce import ids
from integrations.sandbox.salesforce.describe import CLOSED_TASK_STATUSES, FieldDef
from integrations.sandbox.salesforce.soql import canonical_datetime, format_ms

TEXT_TYPES = {"string", "email", "phone", "url", "textarea", "picklist", "combobox"}
PERSON_OBJECTS = ("Lead", "Contact")
EXTERNAL_ID_FIELD = "Syncadmin_Id__c"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RecordError(Exception):
    """One record refused; ``errors`` are ``{errorCode, message, fields}`` dicts."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.errors = [{"errorCode": code, "message": message, "fields": fields or []}]
        self.status = 400


class NotFoundError(RecordError):
    def __init__(self, message: str = "The requested resource does not exist"):
        super().__init__("NOT_FOUND", message)
        self.status = 404


class Store:
    """Records of every object, plus the indexes the API paths need."""

    def __init__(self, schema: dict[str, dict[str, FieldDef]]):
        self.schema = schema
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in schema}
        self.email_index: dict[str, dict[str, set[str]]] = {name: {} for name in PERSON_OBJECTS}
        self.ext_index: dict[str, dict[str, set[str]]] = {name: {} for name in schema}
        self.counters: dict[str, int] = {}
        self.last_ms = 0
        self.duplicate_rule = False
        self.journal: list[tuple[str, str, dict[str, Any] | None]] | None = None
        self.lower_names = {name: {f.lower(): f for f in fields} for name, fields in schema.items()}

    # --- basics -----------------------------------------------------------------------
    def now(self) -> str:
        """A strictly increasing timestamp (ms), so SystemModstamp cursors never tie."""
        ms = max(int(time.time() * 1000), self.last_ms + 1)
        self.last_ms = ms
        return format_ms(ms)

    def new_id(self, sobject: str) -> str:
        self.counters[sobject] = self.counters.get(sobject, 0) + 1
        return ids.make_id(ids.PREFIXES[sobject], self.counters[sobject])

    def get(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        return self.records[sobject].get(record_id)

    def find(self, record_id: str) -> dict[str, Any] | None:
        sobject = ids.type_of(record_id)
        return self.records[sobject].get(record_id) if sobject in self.records else None

    def field_name(self, sobject: str, name: str) -> str | None:
        return self.lower_names[sobject].get(name.lower())

    def find_by_external(self, sobject: str, field: str, value: str) -> list[str]:
        if field == "Id":
            record_id = ids.normalize(value)
            record = self.records[sobject].get(record_id or "")
            return [record_id] if record and not record["IsDeleted"] else []
        found = self.ext_index[sobject].get(value, set())
        return sorted(i for i in found if not self.records[sobject][i]["IsDeleted"])

    # --- writes -----------------------------------------------------------------------
    def create(
        self, sobject: str, values: dict[str, Any], user_id: str, *, from_csv: bool = False
    ) -> str:
        clean = self._clean(sobject, values, None, from_csv)
        record_id = self.new_id(sobject)
        stamp = self.now()
        record = {name: None for name in self.schema[sobject]}
        record.update(
            Id=record_id,
            IsDeleted=False,
            CreatedDate=stamp,
            CreatedById=user_id,
            LastModifiedDate=stamp,
            LastModifiedById=user_id,
            SystemModstamp=stamp,
        )
        if "OwnerId" in record:
            record["OwnerId"] = user_id
        for name, fdef in self.schema[sobject].items():
            if fdef.default is not None:
                record[name] = fdef.default
            if fdef.type == "boolean" and record[name] is None:
                record[name] = False
        if sobject == "User":
            record["IsActive"] = True
        record.update(clean)
        self._derive(sobject, record, None)
        self._check_required(sobject, record)
        self._check_duplicates(sobject, record)
        self._put(sobject, record, None)
        return record_id

    def update(
        self,
        sobject: str,
        record_id: str,
        values: dict[str, Any],
        user_id: str,
        *,
        from_csv: bool = False,
    ) -> None:
        old = self._live(sobject, record_id)
        clean = self._clean(sobject, values, old, from_csv)
        record = {**old, **clean}
        stamp = self.now()
        record.update(LastModifiedDate=stamp, LastModifiedById=user_id, SystemModstamp=stamp)
        self._derive(sobject, record, old)
        self._check_required(sobject, record)
        self._check_duplicates(sobject, record)
        self._put(sobject, record, old)

    def delete(self, sobject: str, record_id: str, user_id: str) -> None:
        old = self._live(sobject, record_id)
        stamp = self.now()
        record = {
            **old,
            "IsDeleted": True,
            "LastModifiedDate": stamp,
            "LastModifiedById": user_id,
            "SystemModstamp": stamp,
        }
        self._put(sobject, record, old)

    def insert_raw(self, sobject: str, values: dict[str, Any], user_id: str) -> str:
        """Seeding path: no validation, system fields (past dates) allowed."""
        record = {name: None for name in self.schema[sobject]}
        record_id = values.get("Id") or self.new_id(sobject)
        created = values.get("CreatedDate") or self.now()
        record.update(
            Id=record_id,
            IsDeleted=False,
            CreatedDate=created,
            CreatedById=user_id,
            LastModifiedDate=created,
            LastModifiedById=user_id,
            SystemModstamp=created,
        )
        if "OwnerId" in record:
            record["OwnerId"] = user_id
        for name, fdef in self.schema[sobject].items():
            if fdef.default is not None:
                record[name] = fdef.default
            if fdef.type == "boolean" and record[name] is None:
                record[name] = False
        if sobject == "User":
            record["IsActive"] = True
        record.update(values)
        for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
            if record.get(name):
                record[name] = canonical_datetime(record[name])
        self._derive(sobject, record, None)
        self._put(sobject, record, None, keep_order=False)
        return record_id

    def sort_by_modstamp(self, sobject: str) -> None:
        """Restore the SystemModstamp order after seeding records with past stamps."""
        items = sorted(self.records[sobject].items(), key=lambda kv: kv[1]["SystemModstamp"])
        self.records[sobject] = dict(items)
        if items:
            last = items[-1][1]["SystemModstamp"]
            stamp = datetime.strptime(last[:23], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)
            self.last_ms = max(self.last_ms, int(stamp.timestamp() * 1000))

    # --- transactions (allOrNone) -----------------------------------------------------
    def begin(self) -> None:
        self.journal = []

    def commit(self) -> None:
        self.journal = None

    def rollback(self) -> None:
        journal, self.journal = self.journal or [], None
        touched = set()
        for sobject, record_id, old in reversed(journal):
            current = self.records[sobject].get(record_id)
            self._unindex(sobject, current)
            if old is None:
                self.records[sobject].pop(record_id, None)
            else:
                self.records[sobject][record_id] = old
                self._index(sobject, old)
            touched.add(sobject)
        for sobject in touched:
            self.sort_by_modstamp(sobject)

    # --- internals --------------------------------------------------------------------
    def _live(self, sobject: str, record_id: str) -> dict[str, Any]:
        record = self.records[sobject].get(record_id)
        if record is None:
            raise RecordError("INVALID_ID_FIELD", f"invalid record id: {record_id}")
        if record["IsDeleted"]:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted")
        return record

    def _put(
        self,
        sobject: str,
        record: dict[str, Any],
        old: dict[str, Any] | None,
        keep_order: bool = True,
    ) -> None:
        if self.journal is not None:
            self.journal.append((sobject, record["Id"], old))
        table = self.records[sobject]
        if old is not None:
            self._unindex(sobject, old)
            if keep_order:
                del table[record["Id"]]
        table[record["Id"]] = record
        self._index(sobject, record)

    def _index(self, sobject: str, record: dict[str, Any] | None) -> None:
        if not record:
            return
        if sobject in self.email_index and record.get("Email"):
            self.email_index[sobject].setdefault(record["Email"].lower(), set()).add(record["Id"])
        if record.get(EXTERNAL_ID_FIELD):
            self.ext_index[sobject].setdefault(record[EXTERNAL_ID_FIELD], set()).add(record["Id"])

    def _unindex(self, sobject: str, record: dict[str, Any] | None) -> None:
        if not record:
            return
        if sobject in self.email_index and record.get("Email"):
            self.email_index[sobject].get(record["Email"].lower(), set()).discard(record["Id"])
        if record.get(EXTERNAL_ID_FIELD):
            self.ext_index[sobject].get(record[EXTERNAL_ID_FIELD], set()).discard(record["Id"])

    def _clean(
        self,
        sobject: str,
        values: dict[str, Any],
        old: dict[str, Any] | None,
        from_csv: bool,
    ) -> dict[str, Any]:
        """Check each given field as Salesforce does and convert it to the stored form."""
        schema = self.schema[sobject]
        clean: dict[str, Any] = {}
        for given, value in values.items():
            if given == "attributes":
                continue
            name = self.field_name(sobject, given)
            if name is None:
                raise RecordError(
                    "INVALID_FIELD", f"No such column '{given}' on sobject of type {sobject}"
                )
            fdef = schema[name]
            if name == "Id" and old is not None:
                continue  # the Id in an update body is the key, not a change
            allowed = fdef.createable if old is None else fdef.updateable
            if not allowed:
                raise RecordError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {name}. Please check the security "
                    "settings of this field and verify that it is read/write for your "
                    "profile or permission set.",
                    [name],
                )
            clean[name] = self._convert(fdef, value, from_csv)
        return clean

    def _convert(self, fdef: FieldDef, value: Any, from_csv: bool) -> Any:
        name = fdef.name
        if from_csv and isinstance(value, str) and value == "#N/A":
            value = None
        if value is None or value == "":
            if not fdef.nillable and fdef.default is None and fdef.type != "boolean":
                raise RecordError(
                    "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{name}]", [name]
                )
            return None
        ftype = fdef.type
        if ftype == "boolean":
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            if isinstance(value, bool):
                return value
            raise _parse_error(value, "boolean")
        if ftype in ("int", "double", "currency", "percent"):
            try:
                number = float(value) if not isinstance(value, bool) else None
            except (TypeError, ValueError):
                number = None
            if number is None:
                raise _parse_error(value, ftype)
            return int(number) if ftype == "int" else number
        if ftype == "date":
            if not isinstance(value, str) or not _DATE.match(value):
                raise _parse_error(value, "date")
            return value
        if ftype == "datetime":
            try:
                return canonical_datetime(str(value))
            except ValueError:
                raise _parse_error(value, "datetime") from None
        if ftype in ("reference", "id"):
            record_id = ids.normalize(str(value))
            target = self.find(record_id) if record_id else None
            if target is None or target["IsDeleted"]:
                raise RecordError(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"{fdef.label}: id value of incorrect type: {value}"
                    if record_id and ids.type_of(record_id) not in fdef.reference_to
                    else "invalid cross reference id",
                    [name],
                )
            if ids.type_of(record_id) not in fdef.reference_to:
                raise RecordError(
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"{fdef.label}: id value of incorrect type: {value}",
                    [name],
                )
            return record_id
        if isinstance(value, bool | dict | list):
            raise _parse_error(value, "string")
        text = str(value)
        if fdef.length and len(text) > fdef.length:
            raise RecordError(
                "STRING_TOO_LONG",
                f"{fdef.label}: data value too large: {text[:80]} (max length={fdef.length})",
                [name],
            )
        if ftype == "email" and text and not _EMAIL.match(text):
            raise RecordError(
                "INVALID_EMAIL_ADDRESS", f"{fdef.label}: invalid email address: {text}", [name]
            )
        if ftype == "picklist" and fdef.restricted and text not in fdef.picklist:
            raise RecordError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{fdef.label}: bad value for restricted picklist field: {text}",
                [name],
            )
        return text

    def _derive(self, sobject: str, record: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Fields Salesforce computes: Name, IsClosed, Event times."""
        if "Name" in record and "LastName" in record:
            record["Name"] = " ".join(p for p in (record.get("FirstName"), record["LastName"]) if p)
        if sobject == "Task":
            closed = record.get("Status") in CLOSED_TASK_STATUSES
            if closed and not record.get("IsClosed"):
                record["CompletedDateTime"] = (
                    record.get("CompletedDateTime") or record["LastModifiedDate"]
                )
            record["IsClosed"] = closed
            if old is None and not record.get("TaskSubtype"):
                record["TaskSubtype"] = "Task"
        if sobject == "Event":
            if old is None and not record.get("EventSubtype"):
                record["EventSubtype"] = "Event"
            start = record.get("StartDateTime") or record.get("ActivityDateTime")
            if start:
                record["StartDateTime"] = record["ActivityDateTime"] = start
                record["ActivityDate"] = start[:10]
                begin = _parse(start)
                given_duration = old is None or record.get("DurationInMinutes") != (old or {}).get(
                    "DurationInMinutes"
                )
                if record.get("DurationInMinutes") is not None and (
                    given_duration or not record.get("EndDateTime")
                ):
                    end = begin + timedelta(minutes=record["DurationInMinutes"])
                    record["EndDateTime"] = canonical_datetime(end.isoformat())
                elif record.get("EndDateTime"):
                    minutes = (_parse(record["EndDateTime"]) - begin).total_seconds() // 60
                    record["DurationInMinutes"] = int(minutes)

    def _check_required(self, sobject: str, record: dict[str, Any]) -> None:
        missing = [
            name
            for name, fdef in self.schema[sobject].items()
            if fdef.required and record.get(name) in (None, "")
        ]
        if sobject == "Event":
            if not record.get("StartDateTime"):
                missing.append("ActivityDateTime")
            if record.get("DurationInMinutes") is None and not record.get("EndDateTime"):
                missing.append("DurationInMinutes")
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
        if sobject == "Event" and record["EndDateTime"] < record["StartDateTime"]:
            raise RecordError(
                "FIELD_INTEGRITY_EXCEPTION",
                "End Date Time: End time can't be before start time",
                ["EndDateTime"],
            )

    def _check_duplicates(self, sobject: str, record: dict[str, Any]) -> None:
        """The org's optional duplicate rule: one Lead/Contact per email, any case."""
        if not self.duplicate_rule or sobject not in PERSON_OBJECTS or not record.get("Email"):
            return
        others = self.email_index[sobject].get(record["Email"].lower(), set()) - {record["Id"]}
        if any(not self.records[sobject][i]["IsDeleted"] for i in others):
            raise RecordError("DUPLICATES_DETECTED", "Use one of these records?")

    def live(self, sobject: str, include_deleted: bool) -> Iterator[dict[str, Any]]:
        records: Iterable[dict[str, Any]] = self.records[sobject].values()
        if include_deleted:
            return iter(records)
        return (r for r in records if not r["IsDeleted"])


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp[:23], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)


def _parse_error(value: Any, ftype: str) -> RecordError:
    return RecordError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {ftype} from VALUE_STRING value {value} "
        "or request may be missing a required field",
    )
