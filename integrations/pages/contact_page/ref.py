"""What names one contact, for *Sync this contact* and the eligibility explainer.

An email address, a HubSpot contact id (digits), or a Salesforce lead or contact id
(15 or 18 letters and digits, starting with the key prefix of its object).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

#: RFC 5321's limit on a forward path, which Django's EmailField uses too
EMAIL_MAX_LENGTH = 254
#: HubSpot record ids are 64-bit integers
HUBSPOT_ID_MAX_DIGITS = 19
#: Salesforce ids are 15 characters (case-sensitive) or 18 (case-safe)
SALESFORCE_ID_LENGTHS = (15, 18)
#: Salesforce's standard key prefixes: an id's first three characters name its object
SALESFORCE_PREFIXES = {"00Q": "lead", "003": "contact"}
#: how much of a refused value a message repeats
SHOWN = 60


class NotAContact(ValueError):
    """The value names no contact; the message says what would."""


@dataclass(frozen=True)
class ContactRef:
    #: also the audit history's query parameter for it
    kind: Literal["email", "hubspot_id", "salesforce_id"]
    value: str


def salesforce_id_18(value: str) -> str:
    """The case-safe 18-character form of a Salesforce id, which is what the APIs return:
    the 15-character id and one checksum character per five, naming its capitals."""
    if len(value) != 15:
        return value
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    checksum = "".join(
        alphabet[sum(1 << i for i, c in enumerate(value[start : start + 5]) if "A" <= c <= "Z")]
        for start in (0, 5, 10)
    )
    return value + checksum


def _shown(value: str) -> str:
    return value if len(value) <= SHOWN else f"{value[:SHOWN]}…"


def contact_ref_parse(value: str) -> ContactRef:
    """The contact ``value`` names (emails lowercased), or ``NotAContact`` saying why not."""
    value = value.strip()
    if not value:
        raise NotAContact("Type the email, HubSpot id or Salesforce id of the contact.")
    if "\x00" in value:
        raise NotAContact("That contains a NUL character, which no email address or id has.")
    if "@" in value:
        if len(value) > EMAIL_MAX_LENGTH:
            raise NotAContact(
                f"An email address has at most {EMAIL_MAX_LENGTH} characters; "
                f"this one has {len(value)}."
            )
        try:
            EmailValidator()(value)
        except ValidationError:
            raise NotAContact(f"“{_shown(value)}” is not a valid email address.") from None
        return ContactRef("email", value.lower())
    if value.isascii() and value.isdigit():  # "²" and "٥" are digits too, but no id
        if len(value) > HUBSPOT_ID_MAX_DIGITS:
            raise NotAContact(
                f"“{_shown(value)}” is not a HubSpot contact id: those have at most "
                f"{HUBSPOT_ID_MAX_DIGITS} digits."
            )
        return ContactRef("hubspot_id", value)
    if len(value) in SALESFORCE_ID_LENGTHS and value.isascii() and value.isalnum():
        if value[:3] in SALESFORCE_PREFIXES:
            return ContactRef("salesforce_id", salesforce_id_18(value))
        raise NotAContact(f"“{value}” is not the id of a Salesforce lead (00Q…) or contact (003…).")
    raise NotAContact(
        f"“{_shown(value)}” is neither an email address, a HubSpot contact id (digits) nor a "
        "Salesforce lead or contact id (15 or 18 letters and digits, starting 00Q or 003)."
    )
