"""Which HubSpot contacts a run reads, and where the next incremental read resumes.

**Reads never shift.** HubSpot is read by keyset (``hubspot/streams.py``): a full read in
id order, an incremental one by ``lastmodifieddate`` anchored on what was read, so the
run's own writes (which re-sort the search) never push unread contacts past it.

**The cursor** is the newest ``lastmodifieddate`` synced, with the ids already handled at
exactly that millisecond (an import stamps hundreds of contacts alike). Once a read has
read everything up to a settled moment (``SETTLED_MS`` before it began) the cursor moves
just past it without ids: the next read is one search.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings

from integrations.chunks import chunks
from integrations.engine.contacts.options import ContactOptions, Mode
from integrations.engine.contacts.run import ContactRun, failure
from integrations.engine.cursors import cursor_get
from integrations.http.side_by_side import side_by_side_all
from integrations.hubspot.streams import IdSpan, cursor_ms
from integrations.models.contacts import ContactLink, SalesforcePerson
from integrations.rules.mapping_rules import TO_HUBSPOT

HUBSPOT_CURSOR = "hubspot:contacts:lastmodifieddate"
#: HubSpot stamps a change with its own clock as it happens, and its search shows it
#: within seconds: no contact can still appear at a moment this much older than the
#: start of a read (a generous margin for clock skew and indexing delays)
SETTLED_MS = 15 * 60 * 1000


class NoSuchContact(Exception):
    """A one-contact sync for a contact that neither HubSpot nor Salesforce has."""


def now_ms() -> int:
    return int(time.time() * 1000)


def hubspot_cursor_get() -> tuple[int, frozenset[str]]:
    """The contact stream's cursor: a ``lastmodifieddate`` (ms) and the ids already handled
    at exactly that millisecond (many contacts can share one, after an import)."""
    value = cursor_get(HUBSPOT_CURSOR)
    if not value:
        return 0, frozenset()
    moment, _, handled = value.partition(":")
    return int(moment), frozenset(i for i in handled.split(",") if i)


def hubspot_cursor_text(moment: int, handled: Iterable[str]) -> str:
    return f"{moment}:{','.join(sorted(handled, key=int))}"


def hubspot_cursor_final(moment: int, handled: Iterable[str], *, read_began_ms: int) -> str:
    """The cursor once a read has read every contact modified up to ``moment``. Past a
    settled moment the ids handled at it are not needed: the next read starts just after
    it, in one search, instead of re-reading a block of contacts that share it."""
    if moment < read_began_ms - SETTLED_MS:
        return hubspot_cursor_text(moment + 1, ())
    return hubspot_cursor_text(moment, handled)


def _cursor_after(
    moment: int, handled: frozenset[str], records: list[dict[str, Any]]
) -> tuple[int, frozenset[str]]:
    """The cursor once ``records`` (read from ``moment``) are synced."""
    ids = set(handled)
    for record in records:
        value = cursor_ms(record["properties"].get("lastmodifieddate")) or 0
        if value > moment:
            moment, ids = value, {str(record["id"])}
        elif value == moment:
            ids.add(str(record["id"]))
    return moment, frozenset(ids)


def at_moment(records: Iterable[dict[str, Any]], moment: int | None) -> set[str]:
    """The ids of the records last modified at exactly ``moment`` (ms)."""
    return {
        r["id"] for r in records if cursor_ms(r["properties"].get("lastmodifieddate")) == moment
    }


@dataclass
class Page:
    """HubSpot contacts to sync, and the cursor to store once they are (None: this read
    does not move the cursor)."""

    records: list[dict[str, Any]]
    cursor: str | None = None


@dataclass(frozen=True)
class FullRead:
    """A full read worth sharing out in work units: how many contacts, their ids, and
    the newest modification time when it began (where the next incremental read
    resumes)."""

    total: int
    span: IdSpan
    newest: int | None
    #: when the read began (epoch ms, our clock)
    began_ms: int


def full_read_possible(run: ContactRun, opts: ContactOptions) -> bool:
    """Whether this run reads every HubSpot contact (no call): a run for everyone, a first
    incremental one, or one for a list that is everyone."""
    if opts.mode in (Mode.ONE, Mode.RETRY):
        return False
    if opts.mode == Mode.LIST and run.list_id:
        return False  # the list's members, read by id
    return not (opts.mode == Mode.INCREMENTAL and hubspot_cursor_get()[0])


def full_read_plan(run: ContactRun, opts: ContactOptions) -> FullRead | None:
    """A full read (every HubSpot contact) of more than ``SYNC_UNIT_RECORDS`` contacts,
    to be shared out in work units (``units.py``); None for any other read. Its searches
    (how many, the lowest and highest id, the newest change) go side by side."""
    if not full_read_possible(run, opts):
        return None
    began = now_ms()
    (total, span), newest = side_by_side_all(
        [run.hubspot.contacts_span, run.hubspot.contacts_newest_modified], at_most=2
    )
    if span is None or total <= django_settings.SYNC_UNIT_RECORDS:
        return None
    return FullRead(total=total, span=span, newest=newest, began_ms=began)


def hubspot_pages(
    run: ContactRun, opts: ContactOptions, *, counted: bool = False
) -> Iterator[Page]:
    """The HubSpot contacts this run looks at, page by page. ``counted``: the run's main
    read, which tells the job how many as soon as it knows (``expect``)."""
    properties = run.hubspot_properties
    expect = run.expect if counted else lambda n: None
    if opts.mode == Mode.ONE:
        records = _one(run, opts.contact)
        expect(len(records))
        if records:
            yield Page(records)
    elif opts.mode == Mode.RETRY:
        ids = [key.removeprefix("hs:") for key in opts.records]
        ids = [i for i in ids if i.isdigit()]
        expect(len(ids))
        for chunk in chunks(ids, 100):
            yield Page(read_contacts(run, list(chunk)))
    elif opts.mode == Mode.LIST and not run.gate.everyone:
        members = sorted(run.gate.members or ())
        expect(len(members))
        for chunk in chunks(members, 100):
            yield Page(read_contacts(run, list(chunk)))
    else:
        began = now_ms()
        since, handled = hubspot_cursor_get()
        full = opts.mode in (Mode.ALL, Mode.LIST) or not since
        run.hubspot_fully_read = full
        if full:
            # in id order, which writes cannot reorder; an incremental read then resumes
            # from the newest change that existed before this read began
            newest = run.hubspot.contacts_newest_modified()
            at_newest: set[str] = set()
            for records in run.hubspot.contacts_by_id(properties, on_total=expect):
                at_newest |= at_moment(records, newest)
                yield Page(records)
            if newest is not None:
                yield Page([], cursor=hubspot_cursor_final(newest, at_newest, read_began_ms=began))
            return
        read = False
        for records in run.hubspot.contacts_modified_since(
            since, properties, handled, on_total=expect
        ):
            since, handled = _cursor_after(since, handled, records)
            yield Page(records, cursor=hubspot_cursor_text(since, handled))
            read = True
        if read:
            yield Page([], cursor=hubspot_cursor_final(since, handled, read_began_ms=began))


def read_contacts(
    run: ContactRun,
    ids: list[str],
    id_property: str | None = None,
    people: dict[str, Any] | None = None,
) -> list[dict]:
    """HubSpot contacts by id (or by email, ``id_property``); ones HubSpot refused to
    read are failures (open errors, retried), ones it does not have are simply absent.
    ``people`` names the Salesforce record each email is read for (its error's key)."""
    outcome = run.hubspot.contacts_batch_read(ids, run.hubspot_properties, id_property)
    refused = [
        e
        for e in outcome.errors
        if e.index is not None and (e.whole_chunk or e.category != "OBJECT_NOT_FOUND")
    ]
    if refused:
        with run.bookkeeping():
            for error in refused:
                _read_refused(run, ids[error.index], error, id_property, people or {})
    return outcome.records


def _read_refused(
    run: ContactRun, key: str, error: Any, id_property: str | None, people: dict[str, Any]
) -> None:
    what = "HubSpot refused to read the contact"
    if id_property is None:
        link = ContactLink.objects.filter(hubspot_id=key).first()
        run.contact_failed(
            failure(
                f"hs:{key}",
                what,
                [error],
                hubspot_id=key,
                salesforce_id=link.salesforce_id if link else "",
                email=link.email if link else "",
                direction=TO_HUBSPOT if link else "",
            )
        )
        return
    person = people.get(key)
    run.contact_failed(
        failure(
            f"sf:{person.pk}" if person else f"email:{key}",
            what,
            [error],
            salesforce_id=person.pk if person else "",
            email=key,
            direction=TO_HUBSPOT,
        )
    )


def _one(run: ContactRun, contact: str) -> list[dict[str, Any]]:
    """The one contact asked for, by email, HubSpot id or Salesforce id."""
    contact = contact.strip()
    person = None
    if "@" in contact:
        email = contact.lower()
        person = SalesforcePerson.objects.filter(email=email, is_deleted=False).first()
        records = read_contacts(run, [email], "email", {email: person} if person else {})
    elif contact.isdigit():
        records = read_contacts(run, [contact])
    else:
        person = SalesforcePerson.objects.filter(salesforce_id=contact).first()
        records = []
        if person is not None and person.email:
            records = read_contacts(run, [person.email], "email", {person.email: person})
    if not records and person is not None:
        # only Salesforce has it: the Salesforce -> HubSpot pass decides (auto-create)
        SalesforcePerson.objects.filter(pk=person.pk).update(pending=True)
    elif not records and not run.failed_keys:
        raise NoSuchContact(
            f"No such contact: neither HubSpot nor Salesforce has “{contact[:254]}”."
        )
    return records
