"""Splitting a T-SQL script into batches on ``GO`` lines (pure).

``GO`` is not T-SQL: the client tools (SSMS, sqlcmd, Synapse Studio) cut the script on lines that
hold only ``GO`` (any case, optionally followed by a repeat count and a ``--`` comment) and send
each piece as one batch. A ``GO`` inside a string, a bracketed or double-quoted identifier, or a
block comment (T-SQL block comments nest) is text, not a separator.

``GO n`` repeats a batch n times; n is capped at :data:`MAX_REPEAT` (a larger count is refused
before any batch runs), and a repeat is a count, never a list of copies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ...exceptions import SqlParseError

MAX_REPEAT = 100_000

_GO_LINE = re.compile(r"[ \t]*go(?:[ \t]+(\d+))?[ \t]*(?:--.*)?", re.IGNORECASE)   # fullmatch


@dataclass(frozen=True)
class Batch:
    """One batch: its text, the script line it starts on (1-based) and its repeat count."""
    text: str
    line: int
    repeat: int = 1


def split_batches(script: str) -> list[str]:
    """Split ``script`` on ``GO`` lines; empty batches are dropped, ``GO n`` repeats a batch.

    Example:
        >>> split_batches("SELECT 1\\nGO\\nSELECT 'GO\\nGO'\\ngo")
        ['SELECT 1', "SELECT 'GO\\nGO'"]
    """
    return [b.text for b in iter_batches(script) for _ in range(b.repeat)]


def iter_batches(script: str) -> list[Batch]:
    """Like :func:`split_batches`, keeping each batch's first script line (for error messages)."""
    batches: list[Batch] = []
    start, start_line, line_no = 0, 1, 1
    state = _Scanner()
    pos = 0
    for line in script.splitlines(keepends=True):
        match = _GO_LINE.fullmatch(line.rstrip("\r\n")) if state.at_top_level else None
        if match:
            _add(batches, script[start:pos], start_line, _repeat(match.group(1), line_no, line))
            start, start_line = pos + len(line), line_no + 1
        else:
            state.feed(line)
        pos += len(line)
        line_no += 1
    _add(batches, script[start:], start_line, 1)
    return batches


def _repeat(count: str | None, line_no: int, line: str) -> int:
    repeat = int(count or 1)
    if repeat > MAX_REPEAT:
        message = (f"GO {count} at line {line_no}: a batch can be repeated at most {MAX_REPEAT:,} "
                   "times: lower the count, or loop with WHILE inside the batch.")
        raise SqlParseError(message, [{"line": line_no, "col": 0, "statement": line.strip(),
                                       "highlight": count, "description": message}])
    return repeat


def _add(batches: list[Batch], text: str, line: int, repeat: int) -> None:
    if _has_code(text):
        # Leading blank lines are kept out of the text but counted in the line number.
        stripped = text.lstrip("\r\n")
        line += text[: len(text) - len(stripped)].count("\n")
        batches.append(Batch(stripped.rstrip(), line, repeat))


def _has_code(text: str) -> bool:
    scanner = _Scanner()
    scanner.feed(text)
    return scanner.saw_code


class _Scanner:
    """Tracks whether the scan is inside a string, identifier or comment, across lines."""

    def __init__(self) -> None:
        self.quote: str | None = None     # "'", '"' or "]" while inside one
        self.comment_depth = 0            # nesting depth of /* */ comments
        self.saw_code = False

    @property
    def at_top_level(self) -> bool:
        return self.quote is None and self.comment_depth == 0

    def feed(self, text: str) -> None:
        i, n = 0, len(text)
        while i < n:
            ch, nxt = text[i], text[i + 1] if i + 1 < n else ""
            if self.comment_depth:
                if ch == "/" and nxt == "*":
                    self.comment_depth, i = self.comment_depth + 1, i + 2
                    continue
                if ch == "*" and nxt == "/":
                    self.comment_depth, i = self.comment_depth - 1, i + 2
                    continue
            elif self.quote:
                if ch == self.quote:
                    if nxt == self.quote:   # doubled quote: an escaped one
                        i += 2
                        continue
                    self.quote = None
            elif ch == "-" and nxt == "-":
                end = text.find("\n", i)
                i = n if end < 0 else end
                continue
            elif ch == "/" and nxt == "*":
                self.comment_depth, i = 1, i + 2
                continue
            elif ch in "'\"[":
                self.quote = "]" if ch == "[" else ch
                self.saw_code = True
            elif not ch.isspace() and ch != ";":
                self.saw_code = True
            i += 1
