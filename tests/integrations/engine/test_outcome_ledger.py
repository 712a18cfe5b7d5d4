"""The outcome ledger's rules, one by one: one bucket per record per job."""

import pytest

from integrations.engine.outcomes import OutcomeLedger


def settle(ledger: OutcomeLedger, keys: list[str], outcome: str, **fields) -> None:
    fields.setdefault("action", f"record.{outcome}")
    ledger.settle(keys, outcome, object_type="contact", **fields)


def test_a_record_counts_once_whatever_key_it_is_known_by() -> None:
    ledger = OutcomeLedger(job_id=1)
    settle(ledger, ["hs:1", "sf:A"], "created")
    settle(ledger, ["sf:A"], "unchanged")  # read back in the Salesforce pass
    events, counts, _ = ledger.take()
    assert counts == {"created": 1, "seen": 1}
    assert [e.outcome for e in events] == ["created"]


def test_a_weightier_outcome_in_the_same_transaction_replaces_the_first() -> None:
    ledger = OutcomeLedger(job_id=1)
    settle(ledger, ["hs:1"], "skipped", reason="not_in_list")
    settle(ledger, ["hs:1"], "failed")
    events, counts, reasons = ledger.take()
    assert counts == {"failed": 1, "seen": 1}
    assert reasons == {}
    assert [e.outcome for e in events] == ["failed"]  # the misleading skip is not written


def test_a_later_update_after_a_committed_link_is_a_follow_up() -> None:
    ledger = OutcomeLedger(job_id=1)
    settle(ledger, ["hs:1", "sf:A"], "linked")
    ledger.take()
    settle(ledger, ["hs:1", "sf:A"], "updated")
    events, counts, _ = ledger.take()
    assert counts == {}
    assert [(e.action, e.outcome) for e in events] == [("record.updated", "")]


def test_a_failure_after_a_committed_success_is_counted_too() -> None:
    ledger = OutcomeLedger(job_id=1)
    settle(ledger, ["hs:1"], "created")
    ledger.take()
    settle(ledger, ["hs:1"], "failed")
    _, counts, _ = ledger.take()
    assert counts == {"failed": 1, "seen": 1}


def test_skips_carry_their_reason_and_status() -> None:
    ledger = OutcomeLedger(job_id=1)
    settle(ledger, ["hs:1"], "skipped", reason="no_email", action="record.skipped")
    settle(ledger, ["hs:2"], "skipped", reason="no_email", action="record.skipped")
    events, counts, reasons = ledger.take()
    assert counts == {"skipped": 2, "seen": 2} and reasons == {"no_email": 2}
    assert {(e.status, e.reason) for e in events} == {("skipped", "no_email")}
    assert events[0].message == "No email address."


def test_unknown_outcomes_and_reasons_are_refused() -> None:
    ledger = OutcomeLedger(job_id=1)
    with pytest.raises(ValueError, match="Unknown outcome"):
        settle(ledger, ["hs:1"], "vanished")
    with pytest.raises(ValueError, match="Unknown skip reason"):
        settle(ledger, ["hs:1"], "skipped", reason="felt_like_it")
