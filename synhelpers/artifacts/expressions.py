"""Parsing the pipeline expression language (the subset Synapse / Data Factory pipelines use here).

A JSON string in a pipeline is one of three things:

- ``"@<expr>"``: an expression; its value keeps its type (``@pipeline().parameters.rows`` -> 100);
- text with ``@{<expr>}`` parts: string interpolation (``"rows=@{pipeline().parameters.rows}"``);
- anything else is literal text; a leading ``@@`` escapes a literal ``@``.

Grammar (no operators, as in Data Factory)::

    expr    := primary postfix*
    primary := STRING | NUMBER | true | false | null | NAME "(" [expr ("," expr)*] ")"
    postfix := "." NAME | "?." NAME | "[" expr "]"
    STRING  := "'" ( "''" | any character but "'" )* "'"

:func:`parse` returns a :class:`Template` of literal text and expression nodes; evaluation lives
in :mod:`.evaluation`. Every syntax error is an :class:`~.errors.ExpressionError` with the
position of the offending character.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Union

from ..identifiers import IDENTIFIER
from .errors import ExpressionError

_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_KEYWORDS = {"true": True, "false": False, "null": None}
_PUNCT = {"(": "(", ")": ")", ",": ",", ".": ".", "[": "[", "]": "]", "}": "}"}


@dataclass(frozen=True)
class Literal:
    value: object
    pos: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple
    pos: int


@dataclass(frozen=True)
class Member:
    target: "Node"
    name: str
    optional: bool
    pos: int


@dataclass(frozen=True)
class Index:
    target: "Node"
    index: "Node"
    pos: int


Node = Union[Literal, Call, Member, Index]


@dataclass(frozen=True)
class Template:
    """A parsed JSON string: ``parts`` are literal strings and nodes; ``whole`` means the string
    was one ``@expression`` (its value keeps its type) rather than text (the value is a string)."""

    text: str
    parts: tuple
    whole: bool

    @property
    def is_literal(self) -> bool:
        return all(isinstance(part, str) for part in self.parts)

    def nodes(self) -> Iterator[Node]:
        """Every node of every expression in the template, depth first."""
        for part in self.parts:
            if not isinstance(part, str):
                yield from walk(part)


@dataclass(frozen=True)
class _Token:
    kind: str          # NAME, STRING, NUMBER, a punctuation mark, "?.", EOF
    value: object
    pos: int


class _Parser:
    def __init__(self, text: str, pos: int):
        self.text, self.pos = text, pos
        self._token: _Token | None = None

    # -- scanning -----------------------------------------------------------------------------
    def _scan(self) -> _Token:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            self.pos = pos
            return _Token("EOF", None, pos)
        char = text[pos]
        if char == "'":
            return self._scan_string(pos)
        if text.startswith("?.", pos):
            self.pos = pos + 2
            return _Token("?.", None, pos)
        if char in _PUNCT:
            self.pos = pos + 1
            return _Token(char, None, pos)
        match = _NUMBER.match(text, pos)
        if match:
            self.pos = match.end()
            literal = match.group()
            number = float(literal) if match.group(1) or match.group(2) else int(literal)
            return _Token("NUMBER", number, pos)
        match = IDENTIFIER.match(text, pos)
        if match:
            self.pos = match.end()
            return _Token("NAME", match.group(), pos)
        raise ExpressionError(f"unexpected character {char!r}", text, pos)

    def _scan_string(self, start: int) -> _Token:
        text, pos, chars = self.text, start + 1, []
        while pos < len(text):
            if text[pos] == "'":
                if text.startswith("''", pos):
                    chars.append("'")
                    pos += 2
                    continue
                self.pos = pos + 1
                return _Token("STRING", "".join(chars), start)
            chars.append(text[pos])
            pos += 1
        raise ExpressionError("unterminated string literal (a quote is missing)", text, start)

    def peek(self) -> _Token:
        if self._token is None:
            self._token = self._scan()
        return self._token

    def next(self) -> _Token:
        token = self.peek()
        self._token = None
        return token

    def expect(self, kind: str, what: str) -> _Token:
        token = self.next()
        if token.kind != kind:
            found = "the end" if token.kind == "EOF" else repr(
                token.value if token.kind in ("NAME", "STRING", "NUMBER") else token.kind)
            raise ExpressionError(f"expected {what}, found {found}", self.text, token.pos)
        return token

    # -- grammar ------------------------------------------------------------------------------
    def expression(self) -> Node:
        node = self.primary()
        while True:
            token = self.peek()
            if token.kind in (".", "?."):
                self.next()
                name = self.expect("NAME", "a property name")
                node = Member(node, name.value, token.kind == "?.", name.pos)
            elif token.kind == "[":
                self.next()
                index = self.expression()
                self.expect("]", "']'")
                node = Index(node, index, token.pos)
            else:
                return node

    def primary(self) -> Node:
        token = self.next()
        if token.kind in ("STRING", "NUMBER"):
            return Literal(token.value, token.pos)
        if token.kind == "NAME":
            if self.peek().kind == "(":
                self.next()
                args = []
                if self.peek().kind != ")":
                    args.append(self.expression())
                    while self.peek().kind == ",":
                        self.next()
                        args.append(self.expression())
                self.expect(")", "',' or ')'")
                return Call(token.value, tuple(args), token.pos)
            if token.value in _KEYWORDS:
                return Literal(_KEYWORDS[token.value], token.pos)
            raise ExpressionError(f"bare name {token.value!r}: expressions call functions "
                                  f"(e.g. pipeline().parameters.{token.value})", self.text, token.pos)
        found = "the end of the expression" if token.kind == "EOF" else repr(token.kind)
        raise ExpressionError(f"expected a value or a function call, found {found}",
                              self.text, token.pos)


def parse(text: str) -> Template:
    """Parse a pipeline JSON string into a :class:`Template`.

    Raises:
        ExpressionError: bad syntax, with the position.

    >>> parse("@pipeline().parameters.rows").whole
    True
    >>> parse("n=@{pipeline().parameters.rows}").parts[0]
    'n='
    """
    if text.startswith("@@"):
        return Template(text, (text[1:],), False)
    if text.startswith("@") and not text.startswith("@{"):
        parser = _Parser(text, 1)
        node = parser.expression()
        parser.expect("EOF", "the end of the expression")
        return Template(text, (node,), True)
    parts: list = []
    literal_start = pos = 0
    while True:
        start = text.find("@{", pos)
        if start < 0:
            break
        if start > literal_start:
            parts.append(text[literal_start:start])
        parser = _Parser(text, start + 2)
        parts.append(parser.expression())
        parser.expect("}", "'}' closing '@{'")
        literal_start = pos = parser.pos
    if literal_start < len(text) or not parts:
        parts.append(text[literal_start:])
    return Template(text, tuple(parts), False)


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node below it, depth first."""
    yield node
    if isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)
    elif isinstance(node, Member):
        yield from walk(node.target)
    elif isinstance(node, Index):
        yield from walk(node.target)
        yield from walk(node.index)


def is_expression_object(value) -> bool:
    """``{"value": "@...", "type": "Expression"}``: how pipeline JSON marks dynamic content."""
    return isinstance(value, dict) and value.get("type") == "Expression" and "value" in value
