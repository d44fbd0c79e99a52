"""A Fedify-based peer publishing an Event that shows in the network calendar (issue 9,
item 9): ionode follows the peer's account as a source (``ionode network source add``),
the peer (Fedify's own Follow handling: it Accepts) sends ``Create{Event}`` to its
followers, and the node indexes it for ``/network/agenda`` and ``/network/calendar.ics``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar

from federation_tests.fedify_peer import FedifyPeer, diagnostics_on_failure, ensure_installed
from federation_tests.nodes import MakeNode, wait_for


@pytest.fixture
def make_peer(tmp_path: Path) -> Iterator[Callable[[], FedifyPeer]]:
    peers: list[FedifyPeer] = []

    def make() -> FedifyPeer:
        peer = FedifyPeer(node=ensure_installed(), first_knock="rfc9421",
                          log_dir=tmp_path / "fedify")
        peers.append(peer)
        peer.start()
        return peer

    yield make
    for peer in peers:
        peer.stop()


def test_a_fedify_peer_publishes_an_event_into_the_network_calendar(
        make_node: MakeNode, make_peer: Callable[[], FedifyPeer]) -> None:
    peer = make_peer()  # boots while the node does
    node = make_node("a")
    peer.wait_ready()
    with diagnostics_on_failure(peer, node):
        node.cli("network", "source", "add", peer.actor)
        wait_for(lambda: node.query("SELECT id FROM follow WHERE following = :p AND state = "
                                    "'accepted'", p=peer.actor), 30,
                 "ionode never received the peer's Accept")

        start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
        sent = peer.publish_event(
            name="Teach-in on the port shutdown", content="Bring a friend.",
            start=start.isoformat().replace("+00:00", "Z"),
            end=(start + timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
            location="Union hall, pier 9")
        assert sent["followers"] == 1
        (event,) = wait_for(lambda: node.query(
            "SELECT object_uri, title, starts_at, ends_at, origin_host FROM network_event"),
            30, "the Event never reached the network calendar")
        assert event["object_uri"] == sent["event"]
        assert event["title"] == "Teach-in on the port shutdown"
        assert event["origin_host"] == f"127.0.0.1:{peer.port}"
        starts = event["starts_at"]
        starts = datetime.fromisoformat(starts) if isinstance(starts, str) else starts
        assert starts.replace(tzinfo=UTC) == start

        agenda = httpx.get(f"{node.url}/network/agenda", timeout=10)
        assert agenda.status_code == 200 and "Teach-in on the port shutdown" in agenda.text
        ics = Calendar.from_ical(httpx.get(f"{node.url}/network/calendar.ics", timeout=10).text)
        (vevent,) = ics.walk("VEVENT")
        assert str(vevent["SUMMARY"]) == "Teach-in on the port shutdown"
        assert str(vevent["LOCATION"]) == "Union hall, pier 9"
        assert vevent.decoded("DTSTART") == start
        assert peer.errors() == []
