"""Hub settings: the Group actor's profile and the policies kept beside it.

The profile is what remote servers read from the actor document (INTEROP.md "Actor
documents"): ``name`` (title), ``summary`` (the mission, Markdown rendered and
sanitised), ``icon`` (avatar), ``image`` (header), ``manuallyApprovesFollowers`` (the
follow policy) and ``attachment`` of ``PropertyValue`` (region, tags and links, shown as
profile fields by Mastodon). For software that reads terms rather than profile fields,
the tags are also ``tag`` entries of type ``Hashtag`` (as Mastodon puts hashtags on its
objects) and the region is ``location``, a ``Place`` (AS2 Vocabulary ``location``).
When the document changes, the hub sends ``Update{Group}`` to its followers
(ActivityPub §7.3; Mastodon re-reads an actor from an Update whose object id equals its
actor). The posting policy and the timezone (in which the hub's
pages show times; no ActivityStreams term carries it) are ours alone and change no
document.

Switching the follow policy from ``approval`` to ``open`` accepts the pending requests:
an open hub keeps nobody waiting.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, select, update

from node.accounts.actor_update import send_actor_update
from node.activitypub.actor_document import actor_document
from node.activitypub.actor_sources import with_extras
from node.activitypub.local_actors import find_by_uri
from node.activitypub.models import LocalActor
from node.hubs.hub.follow_requests import accept_all
from node.hubs.hub.group_images import group_images
from node.hubs.hub.models import Hub
from node.hubs.hub.policy import FOLLOW_POLICIES, POSTING_POLICIES
from node.hubs.hub.publish import HubError, HubTarget
from node.messages import N_, Text, refusal
from node.runtime import Node
from node.text import post_html
from node.zones import ZoneError, check_zone

_hub = Hub.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]

MAX_TITLE = 200
MAX_REGION = 200
MAX_TAGS = 20
MAX_LINKS = 8
MAX_LINK_NAME = 100
MAX_URL = 1024
TAG_RE = re.compile(r"^\w{1,64}$")
LINK_REL = "nofollow noopener noreferrer"


@dataclass(frozen=True)
class HubSettings:
    """Requested changes; ``None`` leaves a setting as it is, ``""`` clears a text one."""

    title: str | None = None
    summary: str | None = None
    follow_policy: str | None = None
    posting_policy: str | None = None
    region: str | None = None
    tags: Sequence[str] | None = None
    links: Sequence[tuple[str, str]] | None = None
    avatar_url: str | None = None
    header_url: str | None = None
    timezone: str | None = None  # "" follows the node's IONODE_TIMEZONE again


@dataclass(frozen=True)
class SettingsResult:
    """Whether the Group document changed, deliveries of its Update, follows accepted."""

    profile_changed: bool
    deliveries: int
    accepted: int


def web_url(value: str, what: str) -> str:
    """An absolute http(s) URL, or :class:`HubError` naming ``what``."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > MAX_URL:
        raise HubError(Text(
            N_("%(what)s must be an absolute http(s) URL of at most %(MAX_URL)s characters"),
            what=what, MAX_URL=MAX_URL))
    return value


def one_line(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit or any(not ch.isprintable() for ch in value):
        raise HubError(Text(
            N_("%(what)s must be one line of at most %(limit)s characters"),
            what=what, limit=limit))
    return value


def clean_tags(tags: Sequence[str]) -> list[str]:
    """Hashtags without ``#``, letters, digits and ``_`` only, unique ignoring case."""
    cleaned: dict[str, str] = {}
    for tag in tags:
        name = tag.strip().lstrip("#")
        if not TAG_RE.fullmatch(name):
            raise HubError(Text(
                N_("tag %(tag)s must be letters, digits or _ (at most 64)"),
                tag=repr(tag)))
        cleaned.setdefault(name.casefold(), name)
    if len(cleaned) > MAX_TAGS:
        raise HubError(Text(N_("a hub may have at most %(MAX_TAGS)s tags"), MAX_TAGS=MAX_TAGS))
    return list(cleaned.values())


A_LINK = Text(N_("a link"))  # what a settings page line is called in its refusal


def link_pair(line: str, what: str = A_LINK) -> tuple[str, str]:
    """``NAME=URL`` (the CLI's ``--link``, a line of the settings page) split at the first
    ``=``; :class:`HubError` when either side is missing."""
    name, sep, value = line.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise HubError(Text(
            N_("%(what)s must be NAME=URL, not %(line)s"),
            what=what, line=repr(line)))
    return name.strip(), value.strip()


def clean_links(links: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    if len(links) > MAX_LINKS:
        raise HubError(Text(N_("a hub may have at most %(MAX_LINKS)s links"), MAX_LINKS=MAX_LINKS))
    cleaned = []
    for name, url in links:
        label = one_line(name, Text(N_("a link name")), MAX_LINK_NAME)
        if not label:
            raise HubError(Text(N_("a link needs a name (NAME=URL)")))
        what = Text(N_("link %(name)s"), name=repr(label))
        cleaned.append({"name": label, "url": web_url(url, what)})
    return cleaned


def _hub_values(s: HubSettings) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if s.follow_policy is not None:
        if s.follow_policy not in FOLLOW_POLICIES:
            raise HubError(Text(
                N_("follow policy must be one of %(value)s"),
                value=', '.join(FOLLOW_POLICIES)))
        values["follow_policy"] = s.follow_policy
    if s.posting_policy is not None:
        if s.posting_policy not in POSTING_POLICIES:
            raise HubError(Text(
                N_("posting policy must be one of %(value)s"),
                value=', '.join(POSTING_POLICIES)))
        values["posting_policy"] = s.posting_policy
    if s.region is not None:
        values["region"] = one_line(s.region, Text(N_("the region")), MAX_REGION)
    if s.tags is not None:
        values["tags"] = clean_tags(s.tags)
    if s.links is not None:
        values["links"] = clean_links(s.links)
    if s.header_url is not None:
        values["header_url"] = (web_url(s.header_url, Text(N_("the header"))) if s.header_url
                                else None)
    if s.timezone is not None:
        values["timezone"] = hub_zone(s.timezone)
    if s.summary is not None:
        values["summary_source"] = s.summary.strip()
    return values


def hub_zone(name: str) -> str:
    """A hub's timezone: an IANA name, or "" for the node's; :class:`HubError` otherwise."""
    try:
        return check_zone(name) if name.strip() else ""
    except ZoneError as exc:
        raise HubError(refusal(exc)) from exc


def _actor_values(s: HubSettings) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if s.title is not None:
        title = one_line(s.title, Text(N_("a hub title")), MAX_TITLE)
        if not title:
            raise HubError(Text(N_("a hub needs a title")))
        values["display_name"] = title
    if s.summary is not None:
        values["summary"] = post_html(s.summary) if s.summary.strip() else ""
    if s.avatar_url is not None:
        values["icon_url"] = web_url(s.avatar_url, Text(N_("the avatar"))) if s.avatar_url else None
    if s.follow_policy is not None:
        values["manually_approves_followers"] = s.follow_policy == "approval"
    return values


def profile_fields(hub: Mapping[str, Any]) -> list[dict[str, str]]:
    """Region, tags and links as profile fields (``value`` is HTML, as Mastodon's is)."""
    fields = []
    if hub.get("region"):
        fields.append({"name": "Region", "value": html.escape(hub["region"])})
    if hub.get("tags"):
        fields.append({"name": "Tags", "value": " ".join(f"#{t}" for t in hub["tags"])})
    for link in hub.get("links") or []:
        href = html.escape(link["url"])
        fields.append({"name": link["name"],
                       "value": f'<a href="{href}" rel="{LINK_REL}" target="_blank">{href}</a>'})
    return fields


def actor_extras(conn: Connection, actor: LocalActor) -> dict[str, Any]:
    """What a hub adds to its Group document (AS2 Vocabulary): the header as ``image``
    and the avatar ``icon`` described in full when uploaded (:mod:`.group_images`), the
    tags as ``tag`` Hashtags, the region as ``location``, a ``Place``."""
    if actor.kind != "group":
        return {}
    row = conn.execute(select(_hub.c.region, _hub.c.tags).where(
        _hub.c.actor_id == actor.id)).first()
    if row is None:
        return {}
    extras: dict[str, Any] = group_images(conn, actor)
    if row.tags:
        extras["tag"] = [{"type": "Hashtag", "name": f"#{tag}"} for tag in row.tags
                         if isinstance(tag, str)]
    if row.region:
        extras["location"] = {"type": "Place", "name": row.region}
    return extras


def group_document(conn: Connection, base_url: str, actor: LocalActor) -> dict[str, Any]:
    """The Group document exactly as GET serves it (with the hub's extras)."""
    return with_extras(actor_document(actor, base_url=base_url), actor_extras(conn, actor))


def apply_settings(node: Node, conn: Connection, target: HubTarget,
                   settings: HubSettings) -> SettingsResult:
    """Validate and store ``settings``; send Update{Group} when the document changed."""
    hub_values, actor_values = _hub_values(settings), _actor_values(settings)
    now = node.clock()
    base = node.settings.url
    before = group_document(conn, base, target.actor)
    if hub_values:
        conn.execute(update(_hub).where(_hub.c.id == target.hub.id).values(**hub_values))
    hub_row = dict(conn.execute(select(_hub).where(_hub.c.id == target.hub.id)).one()._mapping)
    conn.execute(update(_actor).where(_actor.c.id == target.actor.id).values(
        profile_fields=profile_fields(hub_row), updated_at=now, **actor_values))
    actor = find_by_uri(conn, target.actor.uri)
    assert actor is not None
    accepted = accept_all(node, conn, target) if settings.follow_policy == "open" else 0
    after = group_document(conn, base, actor)
    if after == before:
        return SettingsResult(profile_changed=False, deliveries=0, accepted=accepted)
    return SettingsResult(profile_changed=True, deliveries=send_actor_update(
        node, conn, actor, after), accepted=accepted)
