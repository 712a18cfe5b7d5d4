"""Activity text between HubSpot and Salesforce (SPEC §4): HubSpot keeps activity bodies as
HTML, Salesforce task subjects and descriptions are plain text.

Two rules, one per direction:

- ``html_to_text``: a HubSpot body (``hs_note_body``, ``hs_call_body``,
  ``hs_email_html``, ``hs_meeting_body``, ``hs_task_body``) as the text a reader
  sees: a line break for each block element and ``<br>``, list items as ``- ``
  lines, entities decoded, whitespace collapsed within lines, no markup,
  scripts and styles dropped. A body without any markup (engagements other apps
  created through the API with plain text) keeps its own line breaks.
- ``text_to_html``: plain text (a Salesforce Description) as a HubSpot body: one
  paragraph per line, as HubSpot's editor writes them, every character escaped,
  so ``html_to_text`` gives the same text back.

``clip`` keeps text within a Salesforce length limit.
"""

from __future__ import annotations

import unicodedata
import warnings
from html import escape

from bs4 import (
    BeautifulSoup,
    Comment,
    Declaration,
    Doctype,
    MarkupResemblesLocatorWarning,
    NavigableString,
    PageElement,
    ProcessingInstruction,
    Tag,
)

# a body that is only a URL is still a body, not a file name BeautifulSoup should warn about
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

#: Salesforce Task ``Description`` (textarea) holds at most 32,000 characters (Task describe)
DESCRIPTION_MAX = 32_000
#: what a cut text ends with
ELLIPSIS = "…"
#: elements a browser lays out as blocks: each starts and ends a line
BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tr",
        "ul",
    }
)
#: elements whose content is never shown
HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})
#: table cells: side by side on their row's line
CELLS = frozenset({"td", "th"})


def html_to_text(value: str | None) -> str:
    """The plain text of a HubSpot HTML body (see the module docstring)."""
    if not value:
        return ""
    soup = BeautifulSoup(value, "html.parser")
    if soup.find() is None:  # no markup at all: plain text, entities decoded
        return _tidy(soup.get_text().splitlines())
    lines = _Lines()
    # (node, True) enters an element, (node, False) leaves it; a stack, not recursion:
    # HTML email can nest deeper than Python's recursion limit
    stack: list[tuple[PageElement, bool]] = [(c, True) for c in reversed(soup.contents)]
    while stack:
        node, entering = stack.pop()
        if not entering:
            lines.leave(node.name)
        elif isinstance(node, Comment | Declaration | Doctype | ProcessingInstruction):
            continue
        elif isinstance(node, NavigableString):
            lines.text(str(node))
        elif isinstance(node, Tag) and node.name not in HIDDEN:
            if node.name == "pre":
                lines.enter("pre")
                lines.preformatted(node.get_text())
                lines.leave("pre")
                continue
            lines.enter(node.name)
            stack.append((node, False))
            stack.extend((c, True) for c in reversed(node.contents))
    return _tidy(lines.done())


class _Lines:
    """Lines as a browser lays them out: text runs on; a block element starts and ends a
    line (never an empty one); ``<br>`` ends the line even when it is empty. A list
    item's bullet goes before its first text, so nested lists leave no bare bullets."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.bullet = False

    def text(self, value: str) -> None:
        if self.bullet and value.strip():
            self.current.append("- ")
            self.bullet = False
        self.current.append(value.replace("\r", " ").replace("\n", " "))

    def preformatted(self, value: str) -> None:
        first, *rest = value.split("\n")
        self.current.append(first)
        for line in rest:
            self.end_line()
            self.current.append(line)

    def end_line(self) -> None:
        self.lines.append("".join(self.current))
        self.current = []

    def edge(self) -> None:
        if "".join(self.current).strip():
            self.end_line()
        else:
            self.current = []

    def enter(self, name: str) -> None:
        if name == "br":
            self.end_line()
        elif name in BLOCKS:
            self.edge()
            self.bullet = self.bullet or name == "li"

    def leave(self, name: str) -> None:
        if name in BLOCKS:
            self.edge()
            self.bullet = self.bullet and name != "li"
        elif name in CELLS:
            self.current.append(" ")

    def done(self) -> list[str]:
        self.edge()
        return self.lines


def _tidy(lines: list[str]) -> str:
    """Whitespace collapsed within lines, no blank lines at either end."""
    kept = [" ".join(line.split()) for line in lines]
    while kept and not kept[-1]:
        kept.pop()
    while kept and not kept[0]:
        kept.pop(0)
    return "\n".join(kept)


def text_to_html(text: str | None) -> str:
    """Plain text as a HubSpot body: a paragraph per line, blank lines kept, all escaped."""
    if not text:
        return ""
    paragraphs = [
        f'<p style="margin:0;">{escape(line, quote=False) or "<br>"}</p>'
        for line in text.splitlines()
    ]
    return f'<div style="" dir="auto" data-top-level="true">{"".join(paragraphs)}</div>'


def clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut on a character boundary with an ellipsis.

    Characters are counted as Salesforce counts string length (UTF-16 code units),
    so a text of emoji never goes over; a cut never leaves an accent without its
    letter or half a joined emoji."""
    if _length(text) <= limit:
        return text
    room = limit - _length(ELLIPSIS)
    cut = 0
    used = 0
    for index, char in enumerate(text):
        used += _length(char)
        if used > room:
            break
        cut = index + 1
    while 0 < cut < len(text) and _joins_previous(text[cut]):
        cut -= 1
    while cut and _joins_next(text[cut - 1]):
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _joins_previous(char: str) -> bool:
    """A combining mark, variation selector or zero-width joiner belongs to what precedes."""
    return bool(unicodedata.combining(char)) or char in "\u200d\ufe0e\ufe0f"


def _joins_next(char: str) -> bool:
    return char == "\u200d"
