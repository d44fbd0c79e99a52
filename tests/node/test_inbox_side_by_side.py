"""Many new followers in one batch (issue 7, 1.13): processed side by side, same result."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from node.activitypub.models import Delivery, Follow
from node.clock import Clock
from node.hubs.hub.service import create_hub
from node.settings import Settings
from tests.node.harness import Harness, rows, running_node


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        with harness.node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="portshutdown",
                       title="West Coast Port Shutdown", now=clock())
        yield harness


def test_a_batch_of_new_followers_is_recorded_and_each_gets_its_accept(h: Harness) -> None:
    hub = h.local("portshutdown").uri
    followers = [h.remote.add_actor(f"node{n % 3}.example", f"u{n}") for n in range(12)]
    for actor in followers:
        follow = {"id": f"{actor.uri}#follows/1", "type": "Follow", "actor": actor.uri,
                  "object": hub}
        assert h.post_activity(actor, follow).status_code == 202
    # the last follower changes their mind in the same batch: their items stay in order
    last = followers[-1]
    undo = {"id": f"{last.uri}#undo/1", "type": "Undo", "actor": last.uri,
            "object": {"id": f"{last.uri}#follows/1", "type": "Follow", "actor": last.uri,
                       "object": hub}}
    assert h.post_activity(last, undo).status_code == 202
    h.drain()
    follows = rows(h, Follow.__table__)  # type: ignore[attr-defined]
    assert sorted(f["follower"] for f in follows) == sorted(a.uri for a in followers[:-1])
    assert {f["state"] for f in follows} == {"accepted"}
    inboxes = {d["inbox"] for d in rows(h, Delivery.__table__)}  # type: ignore[attr-defined]
    assert inboxes == {f"{a.uri}/inbox" for a in followers}  # an Accept each
