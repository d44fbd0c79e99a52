"""What a report is about: one of this node's items or news, a remote item it holds, or
an account (local or known remote), found by its URI.

Only what this node shows in public can be reported from the form: a private item
answers like one that does not exist (SECURITY.md, "one 404 for 'does not exist' and
'not for you'"), so the form cannot be used to read a private item's title.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from node.activitypub.local_actors import find_by_uri
from node.activitypub.models import RemoteActor, StoredObject
from node.activitypub.vocab import is_public, refs
from node.newswire.errors import NewsError
from node.newswire.models import NewsItem

UNKNOWN = "there is nothing to report at that address on this node"
MAX_LABEL = 120

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]
_news = NewsItem.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Target:
    """A reportable thing: ``kind`` item | news | remote | account."""

    kind: str
    label: str
    local: bool
    account_uri: str  # the account reported, or the item's author
    object_uris: tuple[str, ...] = ()


def _short(text: str) -> str:
    import nh3

    words = " ".join(nh3.clean(text, tags=set()).split())
    return words if len(words) <= MAX_LABEL else words[: MAX_LABEL - 1].rstrip() + "…"


def object_target(conn: Connection, uri: str, *, base_url: str) -> Target:
    """The public object ``uri`` this node holds, ours or received."""
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    document = row.document if row is not None else None
    if row is None or row.deleted_at is not None or not isinstance(document, dict) \
            or not is_public(document):
        raise NewsError(UNKNOWN)
    authors = refs(document.get("attributedTo"))
    label = _short(str(document.get("name") or document.get("content") or uri))
    if not row.local:
        return Target("remote", label, False, authors[0] if authors else "", (uri,))
    news = conn.execute(select(_news.c.id).where(_news.c.object_uri == uri)).first()
    return Target("news" if news else "item", label, True, authors[0] if authors else "",
                  (uri,))


def account_target(conn: Connection, uri: str, *, host: str) -> Target:
    """A local account (any kind of local actor) or a remote one this node knows."""
    local = find_by_uri(conn, uri)
    if local is not None and local.deleted_at is None:
        return Target("account", f"@{local.username}@{host}", True, uri)
    row = conn.execute(select(_remote.c.preferred_username, _remote.c.host)
                       .where(_remote.c.uri == uri, _remote.c.gone.is_(False))).first()
    if row is None:
        raise NewsError(UNKNOWN)
    return Target("account", f"@{row.preferred_username}@{row.host}", False, uri)


def find_target(conn: Connection, *, object_uri: str = "", account_uri: str = "",
                base_url: str, host: str) -> Target:
    """The target of a report on an object (preferred when both are given) or account."""
    if object_uri.strip():
        return object_target(conn, object_uri.strip(), base_url=base_url)
    if account_uri.strip():
        return account_target(conn, account_uri.strip(), host=host)
    raise NewsError(UNKNOWN)
