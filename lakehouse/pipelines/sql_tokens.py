"""Tokens of one SQL statement, and a cursor over them for the pipeline DDL's small grammar.

The pipeline statements (``CREATE ... STREAMING TABLE``, ``CREATE FLOW``, ``AUTO CDC INTO``...)
are parsed here token by token; the query bodies stay text for Spark SQL. A token keeps its
offsets in the statement, so a clause's raw text (a constraint, a condition) is sliced from the
statement as written.

Example:
    >>> c = Cursor("CREATE OR REFRESH STREAMING TABLE t (a INT) AS SELECT 1", where=lambda t: "f.sql, line 1")
    >>> c.take("CREATE"), c.take("OR", "REFRESH"), c.take("MATERIALIZED"), c.take("STREAMING", "TABLE")
    (True, True, False, True)
    >>> c.name(), c.group(), c.take("AS"), c.rest()
    ('t', 'a INT', True, 'SELECT 1')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import PipelineDefinitionError

_TOKEN = re.compile(r"""\s*(?:
 (?P<string>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")
|(?P<ident>`(?:[^`]|``)*`|[A-Za-z_][A-Za-z0-9_$]*)
|(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[A-Za-z]*)
|(?P<op>=>|<=>|!=|<>|<=|>=|\|\||::|\S))""", re.X | re.S)


@dataclass(frozen=True)
class Token:
    """A word, quoted identifier, string, number or symbol, with its offsets in the statement."""

    kind: str  # "ident", "string", "number", "op"
    text: str
    start: int
    end: int

    def word(self) -> str | None:
        """The upper-cased keyword when this is a bare (unquoted) word, else None."""
        return self.text.upper() if self.kind == "ident" and not self.text.startswith("`") else None


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (comments must be removed first: :func:`.sql_text.strip_comments`).

    Example:
        >>> [t.text for t in tokenize("a.`b c` => 'x''y', 2")]
        ['a', '.', '`b c`', '=>', "'x''y'", ',', '2']
    """
    tokens, pos = [], 0
    while True:
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            break
        kind = match.lastgroup
        tokens.append(Token(kind, match.group(kind), match.start(kind), match.end(kind)))
        pos = match.end()
    return tokens


def unquote(text: str) -> str:
    """A string literal's value or a quoted identifier's name.

    Example:
        >>> unquote("'it''s'"), unquote('"a\\\\"b"'), unquote("`x`")
        ("it's", 'a"b', 'x')
    """
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        quote, body = text[0], text[1:-1]
        body = body.replace(quote * 2, quote)
        return body if quote == "`" else re.sub(r"\\(.)", r"\1", body)
    return text


class Cursor:
    """A position in the tokens of one statement; ``where(token)`` names file and line for errors."""

    def __init__(self, text: str, *, where):
        self.text, self.tokens, self.i, self._where = text, tokenize(text), 0, where

    # --- looking -----------------------------------------------------------------------------------
    def peek(self, k: int = 0) -> Token | None:
        return self.tokens[self.i + k] if self.i + k < len(self.tokens) else None

    def at(self, *words: str) -> bool:
        """True when the next tokens are the bare ``words`` (or symbols), in order."""
        for k, w in enumerate(words):
            tok = self.peek(k)
            if tok is None or (tok.word() or tok.text) != w:
                return False
        return True

    def done(self) -> bool:
        return self.i >= len(self.tokens)

    # --- consuming ---------------------------------------------------------------------------------
    def take(self, *words: str) -> bool:
        """Consume ``words`` when they come next; return whether they did."""
        if self.at(*words):
            self.i += len(words)
            return True
        return False

    def need(self, *words: str, what: str = "") -> None:
        if not self.take(*words):
            self.fail(f"expected {' '.join(words)}{' ' + what if what else ''}, found {self.found()}")

    def fail(self, message: str, *, fix: str | None = None):
        raise PipelineDefinitionError(f"{self._where(self.peek())}: {message}", fix=fix)

    def found(self) -> str:
        tok = self.peek()
        return repr(self.text[tok.start:tok.start + 40]) if tok else "the end of the statement"

    def name(self) -> str:
        """A (possibly dotted, possibly quoted) identifier, as written."""
        tok = self.peek()
        if tok is None or tok.kind != "ident":
            self.fail(f"expected a name, found {self.found()}")
        start = tok.start
        self.i += 1
        while self.at(".") and self.peek(1) is not None and self.peek(1).kind == "ident":
            self.i += 2
        return self.text[start:self.tokens[self.i - 1].end]

    def literal(self) -> str:
        """A string literal's value, or a number / bare word as written."""
        tok = self.peek()
        if tok is None or tok.kind == "op":
            self.fail(f"expected a value, found {self.found()}")
        self.i += 1
        return unquote(tok.text) if tok.kind == "string" else tok.text

    def group(self) -> str:
        """The raw text inside the parentheses that come next (consumed, nesting respected)."""
        if not self.at("("):
            self.fail(f"expected '(', found {self.found()}")
        open_tok, depth = self.peek(), 0
        while not self.done():
            tok = self.peek()
            depth += tok.text == "("
            depth -= tok.text == ")"
            self.i += 1
            if depth == 0:
                return self.text[open_tok.end:tok.start].strip()
        self.fail("a '(' is never closed")

    def names(self) -> list[str]:
        """A parenthesised list of column names: ``(a, b)``."""
        return [unquote(n.strip()) for n in split_top(self.group()) if n.strip()]

    def until(self, *stops: tuple[str, ...]) -> str:
        """The raw text up to (not including) the first of the word sequences ``stops`` at depth 0."""
        start, depth = self.peek().start if self.peek() else len(self.text), 0
        while not self.done():
            tok = self.peek()
            if depth == 0 and any(self.at(*s) for s in stops):
                break
            depth += tok.text == "("
            depth -= tok.text == ")"
            self.i += 1
        end = self.peek().start if self.peek() else len(self.text)
        return self.text[start:end].strip()

    def rest(self) -> str:
        """The raw text from the next token to the end (consumed)."""
        tok = self.peek()
        self.i = len(self.tokens)
        return self.text[tok.start:].strip() if tok else ""


def split_top(text: str, sep: str = ",") -> list[str]:
    """``text`` split on ``sep`` outside parentheses, strings and quoted identifiers.

    Example:
        >>> split_top("a INT, CONSTRAINT c EXPECT (x IN (1, 2)), s STRING COMMENT 'a, b'")
        ['a INT', ' CONSTRAINT c EXPECT (x IN (1, 2))', " s STRING COMMENT 'a, b'"]
    """
    parts, depth, start = [], 0, 0
    for tok in tokenize(text):
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        elif tok.text == sep and depth == 0:
            parts.append(text[start:tok.start])
            start = tok.end
    parts.append(text[start:])
    return parts
