"""Clauses of the Code of Conduct, and citing one (pure).

A clause is a numbered line of the Markdown document: an ordered-list item or a
heading that starts with a number (``1. No harassment``, ``## 2.3 Sources``). A
rejection must cite a clause of the current version; the log keeps the citation as
text (``Code of Conduct v3, 2. No doxxing``), so later versions never rewrite history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from node.newswire.errors import NewsError

DOCUMENTS = ("conduct", "accountability")
MAX_DOCUMENT = 20_000
DOCUMENT_NEEDED = "the document needs some text"
DOCUMENT_TOO_LONG = "the document may have at most 20000 characters"
UNKNOWN_DOCUMENT = "the document must be conduct or accountability"
NO_CONDUCT = ("this node has no Code of Conduct yet: publish one first "
              "(ionode news conduct edit --file FILE)")
CLAUSE_NEEDED = "a rejection must cite a clause of the Code of Conduct"
UNKNOWN_CLAUSE = "the Code of Conduct has no such clause"

DEFAULT_VERSION = 0  # the default Code of Conduct (:mod:`node.newswire.conduct.default`)

_CLAUSE = re.compile(r"^\s{0,3}(?:#{1,6}\s+)?(\d{1,3}(?:\.\d{1,3})*)[.)]?\s+(\S.*)$")


@dataclass(frozen=True)
class Clause:
    number: str
    text: str


def clauses(markdown: str) -> list[Clause]:
    """The numbered clauses of a document, in order; the first of a number wins."""
    found: dict[str, Clause] = {}
    for line in markdown.splitlines():
        match = _CLAUSE.match(line)
        if match and match.group(1) not in found:
            text = match.group(2).strip().strip("*_ ").strip()
            found[match.group(1)] = Clause(match.group(1), text[:200])
    return list(found.values())


def check_document(document: str, markdown: str) -> str:
    if document not in DOCUMENTS:
        raise NewsError(UNKNOWN_DOCUMENT)
    text = markdown.strip()
    if not text:
        raise NewsError(DOCUMENT_NEEDED)
    if len(text) > MAX_DOCUMENT:
        raise NewsError(DOCUMENT_TOO_LONG)
    return text


def cite(markdown: str | None, version: int, number: str) -> str:
    """The citation of clause ``number`` of version ``version`` (0: the default), or a
    refusal."""
    if markdown is None:
        raise NewsError(NO_CONDUCT)
    wanted = number.strip().removeprefix("§").strip().rstrip(".")
    if not wanted:
        raise NewsError(CLAUSE_NEEDED)
    for clause in clauses(markdown):
        if clause.number == wanted:
            name = "(default)" if version == DEFAULT_VERSION else f"v{version}"
            return f"Code of Conduct {name}, {clause.number}. {clause.text}"[:300]
    raise NewsError(UNKNOWN_CLAUSE)
