"""The two text rules between HubSpot's HTML bodies and Salesforce's plain text."""

import time

import pytest

from integrations.engine.activities.text import (
    DESCRIPTION_MAX,
    ELLIPSIS,
    clip,
    html_to_text,
    text_to_html,
)

EDITOR = '<div style="" dir="auto" data-top-level="true">{}</div>'


def editor(*paragraphs: str) -> str:
    return EDITOR.format("".join(f'<p style="margin:0;">{p}</p>' for p in paragraphs))


# --- HubSpot HTML -> plain text -----------------------------------------------------------
def test_hubspot_editor_markup_becomes_its_text() -> None:
    assert html_to_text(editor("Budget approved")) == "Budget approved"


def test_each_paragraph_is_a_line_and_an_empty_one_with_br_a_blank_line() -> None:
    body = editor("First", "Second", "<br>", "After a blank line")
    assert html_to_text(body) == "First\nSecond\n\nAfter a blank line"


def test_br_breaks_a_line_and_a_trailing_br_adds_nothing() -> None:
    assert html_to_text("<p>one<br>two<br/></p><p>three</p>") == "one\ntwo\nthree"
    assert html_to_text("<div>a<br><br>b</div>") == "a\n\nb"


def test_entities_are_decoded() -> None:
    body = editor(
        "Q3 &amp; Q4:&nbsp;they&#39;re &quot;in&quot; &lt;b&gt; &eacute;t&eacute; &#8212;"
    )
    assert html_to_text(body) == 'Q3 & Q4: they\'re "in" <b> été —'


def test_whitespace_collapses_within_lines_and_source_newlines_are_not_breaks() -> None:
    body = "<div>\n  <p>\n    lots   of\n    space\t here\n  </p>\n  <p>next</p>\n</div>\n"
    assert html_to_text(body) == "lots of space here\nnext"


def test_nested_blocks_lists_and_links() -> None:
    body = (
        '<div><div><p style="margin:0;">Asked for:</p>'
        '<ul><li>SOC&nbsp;2 report</li><li>the <a href="https://example.com/dpa">DPA</a></li>'
        "<li><ol><li>nested</li></ol></li></ul></div>tail <strong>bold</strong> <em>it</em></div>"
    )
    assert html_to_text(body) == "Asked for:\n- SOC 2 report\n- the DPA\n- nested\ntail bold it"


def test_scripts_styles_comments_and_head_are_dropped() -> None:
    body = (
        "<html><head><title>Mail</title><style>p {margin: 0}</style></head><body>"
        "<!-- tracking --><script>alert('x')</script><p>Hello</p></body></html>"
    )
    assert html_to_text(body) == "Hello"


def test_table_cells_share_their_row_line() -> None:
    body = "<table><tr><th>Plan</th><td>Pro</td></tr><tr><td>Seats</td><td>12</td></tr></table>"
    assert html_to_text(body) == "Plan Pro\nSeats 12"


def test_preformatted_text_keeps_its_line_breaks() -> None:
    assert html_to_text("<p>Log:</p><pre>line 1\n  line 2</pre>after") == (
        "Log:\nline 1\nline 2\nafter"
    )


def test_text_without_markup_keeps_its_line_breaks() -> None:
    assert html_to_text("Discussed pricing\nmore\n\n  later  on ") == (
        "Discussed pricing\nmore\n\nlater on"
    )
    assert html_to_text("Tom &amp; Jerry") == "Tom & Jerry"


@pytest.mark.parametrize("empty", [None, "", "   ", "<p></p>", "<div><br></div>", "<!-- -->"])
def test_empty_bodies_are_empty_text(empty) -> None:
    assert html_to_text(empty) == ""


def test_non_ascii_text_is_kept() -> None:
    body = editor("Grüße aus Köln 🎉", "日本語のメモ", "Ελληνικά &amp; עברית")
    assert html_to_text(body) == "Grüße aus Köln 🎉\n日本語のメモ\nΕλληνικά & עברית"


def test_a_very_long_body_converts_whole_and_quickly() -> None:
    paragraphs = [f"Paragraph {i} &amp; more text to read." for i in range(20_000)]
    body = editor(*paragraphs)
    started = time.monotonic()
    text = html_to_text(body)
    assert time.monotonic() - started < 10
    lines = text.split("\n")
    assert len(lines) == 20_000
    assert lines[-1] == "Paragraph 19999 & more text to read."


def test_markup_nested_deeper_than_the_recursion_limit_converts() -> None:
    assert html_to_text("<div>" * 5000 + "deep" + "</div>" * 5000) == "deep"


# --- plain text -> HubSpot HTML -----------------------------------------------------------
def test_plain_text_is_escaped_into_a_paragraph_per_line() -> None:
    body = text_to_html('Price < 100 & "rising"\nNext line\n\nAfter a blank')
    assert body == EDITOR.format(
        '<p style="margin:0;">Price &lt; 100 &amp; "rising"</p>'
        '<p style="margin:0;">Next line</p>'
        '<p style="margin:0;"><br></p>'
        '<p style="margin:0;">After a blank</p>'
    )


@pytest.mark.parametrize(
    "text",
    [
        "one line",
        "a <b>not bold</b> & &amp; literally\nline two\n\nline four",
        "<script>alert(1)</script>",
        "Grüße 🎉\r\nWindows line ends",
        "From Salesforce by syncadmin: sfsync00T000000000001AAA",
    ],
)
def test_text_made_html_renders_back_to_the_same_text(text) -> None:
    assert html_to_text(text_to_html(text)) == "\n".join(text.splitlines())


def test_no_text_is_no_html() -> None:
    assert text_to_html("") == "" and text_to_html(None) == ""


# --- Salesforce length limits -------------------------------------------------------------
def test_text_within_the_limit_is_unchanged() -> None:
    assert clip("x" * 255, 255) == "x" * 255


def test_a_long_text_is_cut_with_an_ellipsis() -> None:
    cut = clip("word " * 100, 255)
    assert len(cut) <= 255 and cut.endswith(ELLIPSIS)
    assert cut.startswith("word word") and not cut[:-1].endswith(" ")


def test_a_cut_never_splits_a_letter_from_its_accent() -> None:
    text = "e\u0301" * 200  # "é" as a letter and a combining accent
    cut = clip(text, 255)
    assert len(cut) <= 255
    assert cut[:-1] == "e\u0301" * ((len(cut) - 1) // 2)


def test_emoji_count_as_salesforce_counts_them() -> None:
    cut = clip("🎉" * 200, 255)  # two UTF-16 code units each
    assert len(cut.encode("utf-16-le")) // 2 <= 255
    assert cut == "🎉" * 127 + ELLIPSIS


def test_a_description_limit_is_respected() -> None:
    cut = clip("a" * 40_000, DESCRIPTION_MAX)
    assert len(cut) == DESCRIPTION_MAX and cut.endswith(ELLIPSIS)
