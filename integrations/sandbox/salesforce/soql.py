"""A small SOQL subset: a tokenizer, a recursive-descent parser and an evaluator.

Why a real parser: syncadmin's clients build SOQL by hand (incremental reads
``WHERE SystemModstamp > X ORDER BY SystemModstamp``, email look-ups with
``IN (...)``), and the emulator must reject what Salesforce rejects
(``MALFORMED_QUERY``: e.g. AND mixed with OR without parentheses) rather than
silently accept it.

Supported: ``SELECT f1, f2 | COUNT() FROM Object [WHERE cond] [ORDER BY f [ASC|DESC]
[NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]``; conditions with AND / OR / NOT and
parentheses, ``= != <> < > <= >=``, ``[NOT] IN (...)``, ``LIKE``, ``NULL``, string,
number, boolean, date and datetime literals. Parent relationships (``Who.Email``)
only in the SELECT list, one level (resolved by the app); no GROUP BY, no date
literals such as TODAY.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "NULL",
    "TRUE",
    "FALSE",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "LIMIT",
    "OFFSET",
    "COUNT",
}


class SoqlError(Exception):
    """A query Salesforce would refuse; ``code`` is its errorCode."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\dT])
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)

_CANONICAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


@dataclass
class Token:
    kind: str
    value: Any
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise SoqlError("MALFORMED_QUERY", _at(text, pos, f"unexpected token: '{text[pos]}'"))
        kind = match.lastgroup or ""
        raw = match.group()
        if kind != "ws":
            value: Any = raw
            if kind == "string":
                value = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), raw[1:-1])
            elif kind == "number":
                value = float(raw) if "." in raw else int(raw)
            elif kind == "datetime":
                try:
                    value = canonical_datetime(raw)
                except ValueError:
                    raise SoqlError(
                        "MALFORMED_QUERY", _at(text, pos, f"invalid datetime: {raw}")
                    ) from None
            elif kind == "ident" and raw.upper() in KEYWORDS:
                kind, value = "kw", raw.upper()
            tokens.append(Token(kind, value, raw, pos))
        pos = match.end()
    tokens.append(Token("end", None, "", len(text)))
    return tokens


def _at(text: str, pos: int, message: str) -> str:
    """Salesforce's message style: the query, then where it broke."""
    line = text[:pos].count("\n") + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    caret = " " * (column - 1) + "^"
    return f"{text}\n{caret}\nERROR at Row:{line}:Column:{column}\n{message}"


def error_at(text: str, pos: int, message: str) -> str:
    """``message`` in Salesforce's style, pointing at ``pos`` in the query."""
    return _at(text, pos, message)


def canonical_datetime(raw: str) -> str:
    """Any ISO datetime -> ``YYYY-MM-DDTHH:MM:SS.mmm+0000`` in UTC.

    One fixed-width UTC format means stored datetimes compare correctly as
    strings, which keeps filtering and sorting cheap.
    """
    text = raw.strip()
    if _CANONICAL.match(text):
        return text
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return format_datetime(parsed)


def format_datetime(value: datetime) -> str:
    v = value.astimezone(UTC)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
        f".{v.microsecond // 1000:03d}+0000"
    )


def format_ms(ms: int) -> str:
    return format_datetime(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms))


# --- AST --------------------------------------------------------------------------------
@dataclass
class Compare:
    field: str
    op: str
    value: Any


@dataclass
class InList:
    field: str
    values: list[Any]
    negate: bool


@dataclass
class Like:
    field: str
    pattern: str


@dataclass
class BoolOp:
    op: str  # AND | OR
    parts: list[Any]


@dataclass
class Not:
    part: Any


@dataclass
class Query:
    fields: list[str]
    sobject: str
    where: Any = None
    order_by: list[tuple[str, bool, bool]] = field(default_factory=list)  # name, desc, nulls_last
    limit: int | None = None
    offset: int = 0
    count_only: bool = False
    positions: dict[str, int] = field(default_factory=dict)


class Parser:
    """Recursive descent over the token list; raises ``SoqlError`` on anything else."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        #: where each identifier first appears, for INVALID_FIELD messages
        self.positions: dict[str, int] = {}

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def fail(self, token: Token | None = None) -> SoqlError:
        token = token or self.tok
        shown = token.text or "<EOF>"
        return SoqlError("MALFORMED_QUERY", _at(self.text, token.pos, f"unexpected token: {shown}"))

    def kw(self, *words: str) -> str | None:
        if self.tok.kind == "kw" and self.tok.value in words:
            word = self.tok.value
            self.i += 1
            return word
        return None

    def expect_kw(self, word: str) -> None:
        if not self.kw(word):
            raise self.fail()

    def punct(self, char: str) -> bool:
        if self.tok.kind == "punct" and self.tok.value == char:
            self.i += 1
            return True
        return False

    def ident(self) -> str:
        if self.tok.kind != "ident":
            raise self.fail()
        name = self.tok.value
        self.positions.setdefault(name.lower(), self.tok.pos)
        self.i += 1
        return name

    def parse(self) -> Query:
        self.expect_kw("SELECT")
        fields: list[str] = []
        count_only = False
        if self.kw("COUNT"):
            if not (self.punct("(") and self.punct(")")):
                raise self.fail()
            count_only = True
        else:
            fields.append(self.ident())
            while self.punct(","):
                fields.append(self.ident())
        self.expect_kw("FROM")
        query = Query(fields=fields, sobject=self.ident(), count_only=count_only)
        if self.kw("WHERE"):
            query.where = self.condition()
        if self.kw("ORDER"):
            self.expect_kw("BY")
            while True:
                name = self.ident()
                desc = self.kw("ASC", "DESC") == "DESC"
                nulls_last = desc
                if self.kw("NULLS"):
                    nulls_last = self.kw("FIRST", "LAST") == "LAST"
                query.order_by.append((name, desc, nulls_last))
                if not self.punct(","):
                    break
        if self.kw("LIMIT"):
            query.limit = self.integer()
        if self.kw("OFFSET"):
            query.offset = self.integer()
        if self.tok.kind != "end":
            raise self.fail()
        query.positions = self.positions
        return query

    def integer(self) -> int:
        if self.tok.kind != "number" or not isinstance(self.tok.value, int) or self.tok.value < 0:
            raise self.fail()
        value = self.tok.value
        self.i += 1
        return value

    def condition(self) -> Any:
        """Terms joined by one kind of operator; mixing needs parentheses, as in SOQL."""
        first = self.term()
        op = None
        parts = [first]
        while self.tok.kind == "kw" and self.tok.value in ("AND", "OR"):
            if op is not None and self.tok.value != op:
                raise self.fail()
            op = self.tok.value
            self.i += 1
            parts.append(self.term())
        return first if op is None else BoolOp(op, parts)

    def term(self) -> Any:
        if self.kw("NOT"):
            return Not(self.term())
        if self.punct("("):
            inner = self.condition()
            if not self.punct(")"):
                raise self.fail()
            return inner
        name = self.ident()
        if self.kw("LIKE"):
            value = self.literal()
            if value.kind != "string":
                raise self.fail(self.tokens[self.i - 1])
            return Like(name, value)
        negate = False
        if self.kw("NOT"):
            negate = True
            if self.tok.kind != "kw" or self.tok.value != "IN":
                raise self.fail()
        if self.kw("IN"):
            if not self.punct("("):
                raise self.fail()
            values = [self.literal()]
            while self.punct(","):
                values.append(self.literal())
            if not self.punct(")"):
                raise self.fail()
            return InList(name, values, negate)
        if self.tok.kind != "op":
            raise self.fail()
        op = self.tok.value
        self.i += 1
        return Compare(name, "!=" if op == "<>" else op, self.literal())

    def literal(self) -> Any:
        token = self.tok
        self.i += 1
        if token.kind in ("string", "number", "datetime", "date"):
            return _Literal(token.kind, token.value)
        if token.kind == "kw" and token.value in ("TRUE", "FALSE"):
            return _Literal("boolean", token.value == "TRUE")
        if token.kind == "kw" and token.value == "NULL":
            return _Literal("null", None)
        raise self.fail(token)


@dataclass
class _Literal:
    kind: str
    value: Any


def parse(text: str) -> Query:
    return Parser(text).parse()


# --- evaluation -------------------------------------------------------------------------
#: how each field type's literals must look, and how they compare with stored values
_TEXT_TYPES = {
    "string",
    "email",
    "phone",
    "url",
    "textarea",
    "picklist",
    "combobox",
    "id",
    "reference",
}


def compile_where(
    node: Any, resolve: Callable[[str], tuple[str, str]], text: str
) -> Callable[[dict[str, Any]], bool]:
    """Turn the WHERE tree into a predicate over stored records.

    ``resolve`` maps a field as written to ``(canonical name, field type)`` or
    raises ``SoqlError(INVALID_FIELD)``.
    """
    if isinstance(node, BoolOp):
        parts = [compile_where(p, resolve, text) for p in node.parts]
        if node.op == "AND":
            return lambda r: all(p(r) for p in parts)
        return lambda r: any(p(r) for p in parts)
    if isinstance(node, Not):
        inner = compile_where(node.part, resolve, text)
        return lambda r: not inner(r)
    name, ftype = resolve(node.field)
    if isinstance(node, Like):
        regex = _like_regex(node.pattern.value if isinstance(node.pattern, _Literal) else "")
        return lambda r: (v := r.get(name)) is not None and regex.match(str(v)) is not None
    if isinstance(node, InList):
        values = {_coerce(lit, name, ftype, text) for lit in node.values}
        lowered = {v.lower() if isinstance(v, str) else v for v in values}
        fold = ftype in _TEXT_TYPES and ftype not in ("id", "reference")
        pool = lowered if fold else values

        def inside(v: Any) -> bool:
            return (v.lower() if fold and isinstance(v, str) else v) in pool

        if node.negate:
            return lambda r: not inside(r.get(name))
        return lambda r: inside(r.get(name))
    value = _coerce(node.value, name, ftype, text)
    op = node.op
    if value is None:
        if op == "=":
            return lambda r: r.get(name) is None
        if op == "!=":
            return lambda r: r.get(name) is not None
        raise SoqlError("MALFORMED_QUERY", f"{text}\nnull may only be used with = or !=")
    fold = ftype in _TEXT_TYPES and ftype not in ("id", "reference") and isinstance(value, str)
    if fold:  # text comparisons in SOQL are case-insensitive
        value = value.lower()

    def getter(r: dict[str, Any]) -> Any:
        v = r.get(name)
        return v.lower() if fold and isinstance(v, str) else v

    if op == "=":
        return lambda r: getter(r) == value
    if op == "!=":
        return lambda r: getter(r) != value
    compare = {
        "<": lambda a: a < value,
        ">": lambda a: a > value,
        "<=": lambda a: a <= value,
        ">=": lambda a: a >= value,
    }[op]
    return lambda r: (v := getter(r)) is not None and compare(v)


def _like_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for char in pattern:
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return re.compile("".join(out) + r"\Z", re.IGNORECASE | re.DOTALL)


def _coerce(literal: Any, name: str, ftype: str, text: str) -> Any:
    """Check a literal against the field's type, as Salesforce does, and convert it."""
    kind, value = literal.kind, literal.value
    if kind == "null":
        return None
    ok = {
        "boolean": kind == "boolean",
        "int": kind == "number",
        "double": kind == "number",
        "currency": kind == "number",
        "percent": kind == "number",
        "date": kind == "date",
        "datetime": kind == "datetime",
    }.get(ftype, kind == "string")
    if not ok:
        if ftype == "datetime" and kind == "date":
            message = f"value of filter criterion for field '{name}' must be of type dateTime"
        else:
            message = (
                f"value of filter criterion for field '{name}' must be of type {ftype} "
                "and should not be enclosed in quotes"
                if kind == "string"
                else f"value of filter criterion for field '{name}' must be of type {ftype}"
            )
        raise SoqlError("INVALID_FIELD", f"{text}\n{message}")
    if ftype in ("id", "reference") and isinstance(value, str) and len(value) == 15:
        from integrations.sandbox.salesforce.ids import to_18

        return to_18(value)
    return value


def sort_records(
    records: list[dict[str, Any]], order_by: list[tuple[str, bool, bool]]
) -> list[dict[str, Any]]:
    """Sort by several fields with per-field direction and null placement."""
    for name, desc, nulls_last in reversed(order_by):

        def key(r: dict[str, Any], name: str = name) -> Any:
            v = r.get(name)
            if isinstance(v, str):
                v = v.lower()
            return v

        present = [r for r in records if r.get(name) is not None]
        missing = [r for r in records if r.get(name) is None]
        present.sort(key=key, reverse=desc)
        records = present + missing if nulls_last else missing + present
    return records
