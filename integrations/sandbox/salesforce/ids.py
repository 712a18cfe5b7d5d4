"""Salesforce record ids: 15-char case-sensitive ids and their 18-char case-safe form."""

from __future__ import annotations

_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

#: key prefixes of the objects the sandbox knows (Salesforce's standard ones)
PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "Task": "00T",
    "Event": "00U",
    "User": "005",
    "Organization": "00D",
    "LeadStatus": "01J",
    "TaskStatus": "01K",
    "TaskPriority": "01H",
}
TYPE_BY_PREFIX = {prefix: name for name, prefix in PREFIXES.items()}


def to_18(id15: str) -> str:
    """Append the 3-char checksum Salesforce derives from the case of each 5-char chunk."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for position, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _SUFFIX[bits]
    return id15 + suffix


def make_id(prefix: str, number: int) -> str:
    """The ``number``-th id of an object: prefix, a fixed pod/instance part, base62 serial."""
    serial = ""
    for _ in range(7):
        number, digit = divmod(number, 62)
        serial = _BASE62[digit] + serial
    return to_18(f"{prefix}5g00{serial[1:]}0".ljust(15, "0")[:15])


def normalize(value: str) -> str | None:
    """A 15- or 18-char id in its 18-char form, or None when it cannot be an id."""
    if not isinstance(value, str) or len(value) not in (15, 18) or not value.isalnum():
        return None
    id18 = to_18(value[:15])
    if len(value) == 18 and value[15:].upper() != id18[15:]:
        return None
    return id18


def type_of(record_id: str) -> str | None:
    return TYPE_BY_PREFIX.get(record_id[:3])
