"""What a report must be, and the ``Flag`` that carries one between servers (pure).

The Flag has Mastodon's shape, read from its sources (FEDERATION.md, "Reports"):
``app/serializers/activitypub/flag_serializer.rb`` writes ``{id, type: "Flag", actor,
content, object: [account uri, status uris...]}`` with the *instance* actor as ``actor``
so the reporter stays unknown (``ReportForwardingService``), and
``app/lib/activitypub/activity/flag.rb`` reads ``object`` as URIs of accounts and
statuses, keeps those that are its own, takes ``content`` (capped at 5000 characters)
as the comment and the Flag's ``id`` as the report's URI. We send the same; the
reporter is named (in ``content`` and a ``Mention``) only when they agreed to it.

Categories: Mastodon files a report as ``spam``, ``legal``, ``violation`` (of listed
rules) or ``other`` (``app/models/report.rb``), but its Flag carries none: neither the
serializer nor ``flag.rb`` has a category, and every report Mastodon receives is
``other`` (mastodon/mastodon issues #31604, #31092; the unmerged pull request #24968
proposes the category word in ``summary``). What Mastodon's moderators do read is
``content``, so ours starts ``Reason: ...``; we also write the category word in
``summary``, the proposed place, and read it back there (:data:`CATEGORIES`). A Flag
without one is filed ``unspecified``: the moderators see that the sender gave none. Lemmy
writes its free-text reason in ``summary``; it becomes the comment when ``content`` is
empty.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from node.activitypub.vocab import ACTIVITY_CONTEXT, ref, refs
from node.newswire.errors import NewsError

FIXED_REASONS = ("spam", "illegal", "other")
#: Mastodon's report categories (the ``summary`` word) and the reason key we file them as
CATEGORIES = {"spam": "spam", "legal": "illegal", "violation": "violation", "other": "other"}
UNSPECIFIED = "unspecified"  # an incoming Flag that names no category (Mastodon's own)
CONDUCT_PREFIX = "conduct:"
MAX_COMMENT = 1000
MAX_REMOTE_COMMENT = 5000  # Mastodon's COMMENT_SIZE_LIMIT for an incoming Flag
MAX_FLAG_OBJECTS = 20

REASON_NEEDED = "choose a reason for the report"
COMMENT_TOO_LONG = "the comment may have at most 1000 characters"
HONEYPOT = "this form was filled in by a program: the last field must stay empty"


@dataclass(frozen=True)
class Reporter:
    """A local reporter who agreed to be named to the origin's moderators."""

    uri: str
    handle: str  # @user@host


@dataclass(frozen=True)
class IncomingFlag:
    """What an incoming Flag says about this node's things."""

    id: str | None
    actor: str
    account_uris: tuple[str, ...]
    object_uris: tuple[str, ...]  # ours that are not actors
    comment: str
    category: str = UNSPECIFIED  # spam | illegal | violation | other | unspecified


def check_comment(comment: str, honeypot: str = "") -> str:
    """The comment as plain text with its line ends as ``\\n``, or a refusal."""
    if honeypot.strip():
        raise NewsError(HONEYPOT)
    text = comment.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_COMMENT:
        raise NewsError(COMMENT_TOO_LONG)
    return text


def reason_key(value: str) -> str:
    """``spam``, ``illegal``, ``other`` or ``conduct:N``; anything else is refused."""
    key = value.strip()
    if key in FIXED_REASONS or (key.startswith(CONDUCT_PREFIX) and key[len(CONDUCT_PREFIX):]):
        return key
    raise NewsError(REASON_NEEDED)


def category_of(reason: str) -> str:
    """The Mastodon category word of a reason text: ``illegal`` is ``legal``, a cited
    clause of our Code of Conduct is a ``violation`` of a listed rule."""
    if reason == "illegal":
        return "legal"
    return reason if reason in CATEGORIES else "violation"


def flag_content(comment: str, reason: str, reporter: Reporter | None) -> str:
    """The Flag's ``content``: the reason, the comment and, only if agreed, who reports."""
    parts = [f"Reason: {reason}"]
    if comment:
        parts.append(comment)
    if reporter is not None:
        parts.append(f"Reported by {reporter.handle} ({reporter.uri})")
    return "\n\n".join(parts)


def build_flag(*, flag_id: str, actor_uri: str, account_uri: str,
               object_uris: Sequence[str], comment: str, reason: str,
               reporter: Reporter | None = None) -> dict[str, Any]:
    """A Mastodon-shaped Flag by the node's actor ``actor_uri`` (never the reporter's)."""
    objects = [uri for uri in dict.fromkeys([account_uri, *object_uris]) if uri]
    flag: dict[str, Any] = {"@context": list(ACTIVITY_CONTEXT), "id": flag_id, "type": "Flag",
                            "actor": actor_uri, "object": objects,
                            "content": flag_content(comment, reason, reporter),
                            "summary": category_of(reason)}
    if reporter is not None:
        flag["tag"] = [{"type": "Mention", "href": reporter.uri, "name": reporter.handle}]
    return flag


def plain_text(content: object, limit: int = MAX_REMOTE_COMMENT) -> str:
    """A remote comment as plain text: tags dropped, entities decoded, capped."""
    import nh3

    if not isinstance(content, str):
        return ""
    text = html.unescape(nh3.clean(content.replace("<br>", "\n").replace("</p>", "\n\n"),
                                   tags=set()))
    return text.strip()[:limit]


def parse_flag(flag: Mapping[str, Any], *, is_local: Callable[[str], bool],
               is_actor: Callable[[str], bool]) -> IncomingFlag:
    """The parts of ``flag`` about this node: its own accounts and objects only (as
    Mastodon keeps only its own), at most :data:`MAX_FLAG_OBJECTS` of them."""
    ours = [uri for uri in dict.fromkeys(refs(flag.get("object"))) if is_local(uri)]
    ours = ours[:MAX_FLAG_OBJECTS]
    accounts = tuple(uri for uri in ours if is_actor(uri))
    objects = tuple(uri for uri in ours if uri not in accounts)
    summary = plain_text(flag.get("summary"))
    category = CATEGORIES.get(summary.lower(), UNSPECIFIED)
    comment = plain_text(flag.get("content"))
    if not comment and category == UNSPECIFIED:
        comment = summary  # Lemmy's free-text reason
    return IncomingFlag(id=ref(flag.get("id")), actor=ref(flag.get("actor")) or "",
                        account_uris=accounts, object_uris=objects, comment=comment,
                        category=category)
