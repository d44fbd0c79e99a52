"""A busy hub for the hub page's browser test: 25 items of every kind, made in-process.

Made through the node's own services (what ``ionode post``, ``minutes``, ``event``,
``call`` and ``poll`` call) on the running node's database, in one process: 25 CLI
runs would cost a second each.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from node.activitypub.local_actors import find_by_username
from node.app import build_node
from node.hubs.calls.service import create_call
from node.hubs.events.rules import CallDetails, EventSpec, Online, Place
from node.hubs.events.service import cancel_event, create_event, move_event
from node.hubs.hub.featured import set_pinned
from node.hubs.hub.members import set_member
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.hub.settings import HubSettings, apply_settings
from node.hubs.minutes.service import post_minutes
from node.hubs.polls.rules import make_spec
from node.hubs.polls.service import close_poll, create_poll
from node.hubs.updates.service import post_update
from node.runtime import Node
from node.settings import Settings
from tests.browser.harness import ORGANIZER, Site

BUSY = "harbour"
BUSY_TITLE = "Harbour Strike Committee"
ZONE = "Europe/Madrid"
MINUTES = """## Decisions

| proposal | outcome |
|---|---|
| strike fund | agreed |
| delegation | agreed |

Full text at https://fund.example/minutes and questions to #strikefund.
"""


def _spec(title: str, days: int, place: bool = True) -> EventSpec:
    start = (datetime.now(UTC) + timedelta(days=days)).replace(minute=0, second=0,
                                                               microsecond=0)
    return EventSpec(title=title, start=start, end=start + timedelta(hours=2), timezone=ZONE,
                     location=Place("Union hall", "Carrer del Port 5") if place else None,
                     description="Bring a friend and **water**.")


def _fill(node: Node, conn: Connection) -> str:
    me, hubs = ORGANIZER, [BUSY]
    create_hub(conn, base_url=node.settings.url, name=BUSY, title=BUSY_TITLE, now=node.clock(),
               summary="The strike committee of the harbour: **decisions by consensus**.")
    me_actor = find_by_username(conn, me)
    assert me_actor is not None
    set_member(conn, load_hub(conn, BUSY), me_actor.uri, "admin", node.clock())
    apply_settings(node, conn, load_hub(conn, BUSY), HubSettings(timezone=ZONE))
    for n in range(8):
        post_update(node, conn, me, f"Update {n}: picket at berth {n} at dawn. #strike", hubs)
    for n in range(4):
        post_minutes(node, conn, me, hubs, title=f"Assembly minutes {n}", markdown=MINUTES,
                     summary="Quorum reached; the strike fund opens on Monday.")
    events = [create_event(node, conn, author=me, hubs=hubs, spec=_spec(f"Action {n}", n + 2)
                           ).object["id"] for n in range(4)]
    later = _spec("", 5).start.astimezone(ZoneInfo(ZONE))
    move_event(node, conn, actor=me, uri=events[0], start=later.strftime("%Y-%m-%d %H:%M"))
    cancel_event(node, conn, actor=me, uri=events[1])
    call = CallDetails(call_url="https://meet.example/harbour", dial_in="+34 910 000 000")
    create_call(node, conn, author=me, hub=BUSY, spec=EventSpec(
        title="Monday coordination call", start=_spec("", 1).start,
        end=_spec("", 1).start + timedelta(hours=1), timezone=ZONE, call=call,
        location=Online("https://meet.example/harbour")), rrule="FREQ=WEEKLY;COUNT=8")
    end = node.clock() + timedelta(days=3)
    polls = [create_poll(node, conn, me, hubs, make_spec(
        f"Proposal {n}: join the regional strike?", ["yes", "no", "wait a week"],
        multiple=False, end=end, now=node.clock())).object["id"] for n in range(5)]
    for uri in polls[3:]:
        close_poll(node, conn, me, uri)
    pinned = post_update(node, conn, me, "Read the code of conduct before the assembly.",
                         hubs).note["id"]
    set_pinned(node, conn, load_hub(conn, BUSY), pinned, True)
    return str(polls[0])


def fill_busy_hub(site: Site) -> str:
    """The busy hub on ``site``'s database; the URL of its first open poll."""
    settings = Settings(url=site.url, database=site.node.database,
                        data_dir=site.node.data_dir, secret_key="").ensure_secret_key()
    node = build_node(settings)
    try:
        with node.engine.begin() as conn:
            return _fill(node, conn)
    finally:
        node.engine.dispose()
