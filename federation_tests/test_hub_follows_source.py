"""A hub on a real ``ionode serve`` follows a source (issue 9 items 3 and 9): a fake
Gancio instance on loopback (its instance actor, an Application, as Gancio publishes
one) accepts the hub's Follow, sends ``Create{Event}`` in Gancio's recorded shape
(offsets and no ``timezone``, a ``Place`` with a plain-text address, the online place
as a ``Link`` attachment), and the Event shows on the hub's page and calendar, marked
as the source's, with its place; removing the source sends ``Undo{Follow}``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from federation_tests.fake_peer import FakePeer
from federation_tests.gancio_support import gancio_create, gancio_event
from federation_tests.nodes import MakeNode, wait_for


@pytest.fixture
def gancio() -> Iterator[FakePeer]:
    peer = FakePeer(people=())
    peer.start()
    yield peer
    peer.stop()


def test_a_hub_follows_a_gancio_instance_and_its_event_shows_on_the_hub_calendar(
    make_node: MakeNode, gancio: FakePeer
) -> None:
    node = make_node("a")
    node.cli("hub", "create", "bikes", "--title", "Bike Kitchen")
    hub = f"{node.url}/hubs/bikes"
    out = node.cli("hub", "source", "add", "bikes", gancio.actor())
    assert f"bikes asked to follow {gancio.actor()}" in out
    wait_for(
        lambda: node.query(
            "SELECT id FROM follow WHERE follower = :h AND following = :g AND state = 'accepted'",
            h=hub,
            g=gancio.actor(),
        ),
        30,
        "the hub never received the source's Accept",
    )
    (follow,) = [a for a in gancio.inbox_of(None) if a["type"] == "Follow"]
    assert follow["actor"] == hub  # the hub's Group actor follows, signed as the hub
    assert f"{gancio.actor()}\tfollowing" in node.cli("hub", "source", "list", "bikes")

    start = (datetime.now(UTC) + timedelta(days=3)).replace(
        hour=16, minute=30, second=0, microsecond=0
    )
    event = gancio_event(gancio, start)
    assert gancio.send(gancio.actor(), f"{node.url}/inbox", gancio_create(gancio, event)) == 202
    (row,) = wait_for(
        lambda: node.query(
            "SELECT object_uri, linked_from, starts_at FROM hub_item WHERE origin = 'linked'"
        ),
        30,
        "the source's Event never reached the hub",
    )
    assert (row["object_uri"], row["linked_from"]) == (event["id"], gancio.actor())
    month = start.astimezone(UTC).strftime("%Y-%m")
    calendar = httpx.get(f"{hub}/calendar?month={month}", timeout=10).text
    assert "Bike repair workshop" in calendar
    page = httpx.get(hub, headers={"Accept": "text/html"}, timeout=10).text
    for shown in (
        "Bike repair workshop",
        'class="badge source-mark"',
        "Centro sociale La Fucina",
        "Via dei Volsci 26, Bologna",
        "https://stream.example/fucina",
        event["id"],
    ):
        assert shown in page, shown
    assert "Bike repair workshop" in httpx.get(f"{hub}/calendar.ics", timeout=10).text

    out = node.cli("hub", "source", "remove", "bikes", gancio.actor())
    assert "1 items taken off its page" in out
    wait_for(
        lambda: [a for a in gancio.inbox_of(None) if a["type"] == "Undo"],
        30,
        "the source never received the Undo",
    )
    (undo,) = [a for a in gancio.inbox_of(None) if a["type"] == "Undo"]
    assert undo["object"]["id"] == follow["id"] and undo["actor"] == hub
    assert "Bike repair workshop" not in httpx.get(f"{hub}/calendar?month={month}", timeout=10).text
