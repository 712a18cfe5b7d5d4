"""How a refusal quotes what was typed: bad input is named, never repeated in full (a
5,000-character list id would otherwise fill the page it is refused on)."""

from __future__ import annotations

#: characters of a typed value a message repeats; enough to recognise what was typed
ECHO_MAX = 60


def echo(value: object, *, limit: int = ECHO_MAX) -> str:
    """``value`` as a message may quote it: NULs dropped, cut at ``limit`` characters with
    an ellipsis that says more was typed."""
    text = str(value).replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"
