"""SPEC §4b Assigned To, the rule alone (``assigned_to.py``): the activity's owner if
mapped, else the contact's owner if mapped, else the integration user, each with the
reason the task's Description gives."""

import pytest

from integrations.rules.assigned_to import Assignment, assigned_to

OWNERS = {"101": "005A", "202": "005B", "303": ""}
INTEGRATION = "005I"


def assign(activity_owner, contact_owner, owners=OWNERS) -> Assignment:
    return assigned_to(
        activity_owner=activity_owner,
        contact_owner=contact_owner,
        owner_to_user=owners,
        integration_user=INTEGRATION,
    )


@pytest.mark.parametrize(
    ("activity_owner", "contact_owner", "expected"),
    [
        # the activity's owner, mapped, wins over a mapped contact owner
        ("101", "202", Assignment("005A", "activity owner")),
        ("101", None, Assignment("005A", "activity owner")),
        ("101", "", Assignment("005A", "activity owner")),
        # the activity's owner unmapped, not known, or missing: the contact's owner
        ("999", "202", Assignment("005B", "contact owner")),
        ("303", "202", Assignment("005B", "contact owner")),  # mapped to no user
        (None, "202", Assignment("005B", "contact owner")),
        ("", "202", Assignment("005B", "contact owner")),
        # neither mapped: the integration user
        ("999", "888", Assignment(INTEGRATION, "integration user")),
        ("303", "303", Assignment(INTEGRATION, "integration user")),
        (None, None, Assignment(INTEGRATION, "integration user")),
        ("", "", Assignment(INTEGRATION, "integration user")),
    ],
)
def test_assigned_to_order_and_reason(activity_owner, contact_owner, expected) -> None:
    assert assign(activity_owner, contact_owner) == expected


def test_owner_ids_given_as_numbers_are_looked_up_as_text() -> None:
    assert assign(101, 202) == Assignment("005A", "activity owner")
    assert assign(999, 202) == Assignment("005B", "contact owner")


def test_with_no_owner_mapped_everything_goes_to_the_integration_user() -> None:
    assert assign("101", "202", owners={}) == Assignment(INTEGRATION, "integration user")
