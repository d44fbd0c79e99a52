"""The hubs an organizer can tick on a compose form (issue 9 item 6: "picks targets:
local hubs, hubs on other nodes by handle or from the directory").

A node may know hundreds of hubs, so the form does not list the directory: it lists
the organizer's own hubs, the hubs linked with the hub they post from, and whatever
they chose in the directory ("Post here" there brings them back with ``?to=``), and
links to the directory to find more. Each tick's value is what
:func:`node.hubs.crosspost.resolve.resolve_targets` takes, so a ticked hub becomes the
same cross-post as one typed into "Also post in" or given to ``--to``: a hub of this
node by its name, a hub of another node by its actor id (the directory knows it, so no
WebFinger round trip is needed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import islice

from sqlalchemy import Connection, or_, select

from node.activitypub.local_actors import USERNAME_RE
from node.activitypub.resolve import parse_account
from node.activitypub.urls import host_of
from node.hubs.crosspost.resolve import MAX_TARGETS
from node.hubs.hub.links import links
from node.hubs.hub.your_hubs import your_hubs
from node.network.models import NetworkHub
from node.web.hub_manage import Access

_hub = NetworkHub.__table__  # type: ignore[attr-defined]
MAX_VALUE = 1024
#: values of ``?to=`` or ``pick`` read at most (a form has at most 100 fields)
MAX_EXAMINED = 100
#: the groups of the list, in the order shown; UNKNOWN: chosen by a ``?to=`` link, but
#: the directory does not know it (labelled so, never "from the directory")
YOURS, LINKED, CHOSEN, UNKNOWN = "yours", "linked", "chosen", "unknown"


@dataclass(frozen=True)
class Pick:
    """One hub the organizer may tick."""

    value: str  # for resolve_targets: a name here, an actor id elsewhere
    title: str
    handle: str  # @name@host, or the actor id when it has no name
    local: bool
    group: str
    checked: bool


def picked(values: Iterable[object], base_url: str) -> list[str]:
    """The ticked (or ``?to=``) values that can name a hub, each once, at most
    :data:`MAX_TARGETS` plus one (so that too many is refused, not cut short); a hub of
    this node given as ``@name@host`` or by its URL becomes its name."""
    found: dict[str, None] = {}  # ordered, and each lookup O(1)
    own, prefix = host_of(base_url), f"{base_url}/hubs/"
    # a query string may repeat ``to`` thousands of times: read no further than what
    # can be shown (a list de-duplicated them, quadratic, on the event loop)
    for value in islice(values, MAX_EXAMINED):
        if not isinstance(value, str):
            continue
        text = value.strip()
        if not text or len(text) > MAX_VALUE or not text.isprintable() or " " in text:
            continue
        account = parse_account(text) if not text.startswith(("https://", "http://")) else None
        if account is not None and account[1] == own:
            text = account[0]
        elif text.startswith(prefix) and USERNAME_RE.fullmatch(text[len(prefix) :]):
            text = text[len(prefix) :]
        found.setdefault(text)
        if len(found) > MAX_TARGETS:
            break
    return list(found)


def _known(conn: Connection, values: list[str], base_url: str) -> dict[str, Pick]:
    """What the directory says of each value (a name here, an actor id or a handle)."""
    if not values:
        return {}
    ids = {f"{base_url}/hubs/{v}" if "/" not in v and "@" not in v else v: v for v in values}
    handles = {v.lstrip("@").lower(): v for v in values if "@" in v}
    rows = conn.execute(
        select(_hub).where(or_(_hub.c.actor_uri.in_(list(ids)), _hub.c.handle.in_(list(handles))))
    ).all()
    found = {}
    for row in rows:
        value = ids.get(row.actor_uri) or handles.get(row.handle.lower())
        if value is not None:
            found[value] = Pick(
                value,
                row.title,
                f"@{row.handle}" if row.handle else row.actor_uri,
                bool(row.local),
                CHOSEN,
                True,
            )
    return found


def describe(conn: Connection, value: str, base_url: str) -> Pick:
    """The hub ``value`` names, as the directory knows it; else the value itself, in
    the group :data:`UNKNOWN`: a ``?to=`` link may name any hub, and only what the
    directory holds is shown as from it (the hub is looked up when the item is posted,
    as one typed into "Also post in" is)."""
    local = "@" not in value and "/" not in value
    return _known(conn, [value], base_url).get(value) or Pick(
        value, value, f"@{value}@{host_of(base_url)}" if local else value, local, UNKNOWN, True
    )


def _entry(conn: Connection, uri: str, base_url: str, group: str) -> Pick:
    prefix = f"{base_url}/hubs/"
    value = uri[len(prefix) :] if uri.startswith(prefix) else uri
    known = _known(conn, [value], base_url).get(value)
    title = known.title if known else value
    handle = known.handle if known else uri
    return Pick(value, title, handle, uri.startswith(prefix), group, False)


def pick_list(conn: Connection, access: Access, base_url: str, chosen: list[str]) -> list[Pick]:
    """Every hub to offer on ``access``'s compose form, the ``chosen`` ones ticked:
    those chosen first (wherever they came from), then the organizer's own hubs, then
    the hubs linked with this one."""
    host = host_of(base_url)
    yours = {hub.name: Pick(hub.name, hub.title, f"@{hub.name}@{host}", True, YOURS, False)
             for hub in your_hubs(conn, access.actor_uri) if hub.name != access.name}
    # a hub of one's own ticked (a form shown again after a refusal) stays "your hub",
    # with its title: the directory need not list it
    offered = {value: replace(yours[value], checked=True) if value in yours
               else describe(conn, value, base_url) for value in chosen}
    for name, pick in yours.items():
        offered.setdefault(name, pick)
    for link in links(conn, access.target):
        if link.ours == "accepted" or link.theirs == "accepted":
            pick = _entry(conn, link.uri, base_url, LINKED)
            if pick.value != access.name and pick.value not in offered:
                offered[pick.value] = pick
    return list(offered.values())
