"""Versions of the Code of Conduct and the Principles of Accountability: every edit
is a new version; none is ever changed or removed, so every past decision can be read
against the text it cited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from node.newswire.conduct.default import default_markdown
from node.newswire.conduct.rules import DEFAULT_VERSION, check_document
from node.newswire.errors import NewsError
from node.newswire.models import ConductVersion

UNCHANGED = "the text is the same as the current version"

_conduct = ConductVersion.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Version:
    document: str
    version: int
    markdown: str
    created_at: datetime | None  # None for the default Code of Conduct

    @property
    def default(self) -> bool:
        """The Code of Conduct the node ships, in force until its admins publish one."""
        return self.version == DEFAULT_VERSION


DEFAULT_CONDUCT = Version("conduct", DEFAULT_VERSION, default_markdown(), None)


def _version(row: object) -> Version:
    m = row._mapping  # type: ignore[attr-defined]
    return Version(m["document"], m["version"], m["markdown"], m["created_at"])


def current(conn: Connection, document: str) -> Version | None:
    row = conn.execute(select(_conduct).where(_conduct.c.document == document)
                       .order_by(_conduct.c.version.desc()).limit(1)).first()
    return _version(row) if row else None


def in_force(conn: Connection, document: str) -> Version | None:
    """The current version; for the Code of Conduct, the default until there is one."""
    found = current(conn, document)
    return DEFAULT_CONDUCT if found is None and document == "conduct" else found


def version_of(conn: Connection, document: str, version: int) -> Version | None:
    row = conn.execute(select(_conduct).where(_conduct.c.document == document,
                                              _conduct.c.version == version)).first()
    return _version(row) if row else None


def history(conn: Connection, document: str) -> list[Version]:
    """Every version, newest first."""
    rows = conn.execute(select(_conduct).where(_conduct.c.document == document)
                        .order_by(_conduct.c.version.desc()))
    return [_version(row) for row in rows]


def publish_version(conn: Connection, document: str, markdown: str, now: datetime) -> int:
    """Store a new version of ``document``; its number (1, 2, ...)."""
    text = check_document(document, markdown)
    latest = current(conn, document)
    if latest is not None and latest.markdown == text:
        raise NewsError(UNCHANGED)
    number = int(conn.execute(select(func.coalesce(func.max(_conduct.c.version), 0))
                              .where(_conduct.c.document == document)).scalar_one()) + 1
    conn.execute(insert(_conduct).values(document=document, version=number, markdown=text,
                                         created_at=now))
    return number
