"""What the fuzz types into a field: the values that have broken web apps before, plus
whatever Hypothesis makes up. A value is ``str`` (sent as UTF-8, lone surrogates as the
bytes a careless client would send) or ``bytes`` (sent raw: not even UTF-8)."""

from __future__ import annotations

from hypothesis import strategies as st

NUL = "\x00"

#: hand-picked: each one has been a 500 or a half-done change somewhere
NASTY: list[str | bytes] = [
    "",
    " ",
    "\t\n\r ",
    "\u00a0\u2003",  # no-break and em space: whitespace .strip() sees, isspace() too
    NUL,
    f"a{NUL}b",
    f"ann{NUL}@example.com",
    "\ud800",  # lone surrogates: no UTF-8 encoder takes them
    "\udfff",
    "x\ud83dy",
    "\ufeff",
    "\uffff",
    "\u200b",
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا بالعالم",
    "שלום",
    "😀",
    "👩‍👩‍👧‍👦",
    "Ã©Ã¨",
    "²",
    "١٢٣",
    "٥٩.0",
    "0",
    "-1",
    "1.5",
    "1e3",
    "1e999",
    "-1e999",
    "inf",
    "-inf",
    "Infinity",
    "nan",
    "NaN",
    "9" * 30,
    "-" + "9" * 30,
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "0x1F",
    "1_000",
    "on",
    "true",
    "null",
    "None",
    "[]",
    "{}",
    '{"a": 1}',
    "x" * 256,
    "y" * 10_001,
    "é" * 5_000,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1",
    "'; DROP TABLE auth_user; --",
    "%00",
    "%",
    "\\",
    "../../../../etc/passwd",
    "/etc/passwd",
    "C:\\Windows\\win.ini",
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/",
    "https://example.com:99999/",
    "https://[::1",
    "http://user:pass@127.0.0.1:1/",
    "javascript:alert(1)",
    "ann@example.com",
    "@example.com",
    "a@b@c",
    "a\r\nBcc: x@example.com",
    "a\r\nSet-Cookie: sessionid=x",
    "{{ 7*7 }}",
    "${jndi:ldap://127.0.0.1/a}",
    "Name %s %d %n",
    b"\xff\xfe",  # not UTF-8 at all
    b"\xc3",  # a UTF-8 sequence cut short
    b"\xed\xa0\x80",  # CESU-8 of a lone surrogate
]

#: numbers as a form posts them: any text at all
numbers = st.one_of(
    st.integers().map(str),
    st.integers(min_value=2**31 - 2, max_value=2**64 + 2).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)

#: text of any code point, surrogates and NUL included, short or very long
texts = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(exclude_categories=()), max_size=40),  # surrogates too
    st.text(st.characters(min_codepoint=0, max_codepoint=0x3F), max_size=20),
    st.text(max_size=3).map(lambda s: s * 3000),
)

garbage: st.SearchStrategy[str | bytes] = st.one_of(
    st.sampled_from(NASTY), numbers, texts, st.binary(max_size=20)
)


def field_value(plausible: list[str]) -> st.SearchStrategy[str | bytes]:
    """A value for a field whose page offers ``plausible`` (its default, its options):
    mostly garbage, sometimes a value the form expects, so later checks are reached."""
    if not plausible:
        return garbage
    return st.one_of(garbage, st.sampled_from(plausible))


#: a string fit for a URL path segment (the str converter takes anything but "/")
path_garbage: st.SearchStrategy[str] = st.one_of(
    st.sampled_from([v for v in NASTY if isinstance(v, str) and v and "/" not in v]),
    st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s),
)

#: what an int converter matches: digits, as many as you like
int_garbage: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(
        ["0", "00", "9" * 30, "2147483648", "9223372036854775808", "18446744073709551616"]
    ),
    st.integers(min_value=0).map(str),
)
