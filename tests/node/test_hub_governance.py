"""Hub settings (profile Update to followers) and follow approval (Accept / Reject)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from node.activitypub.models import Follow, LocalActor
from node.cli import main
from node.clock import Clock
from node.hubs.hub.follow_requests import approve, pending, reject
from node.hubs.hub.models import Hub
from node.hubs.hub.publish import HubError
from node.hubs.hub.settings import HubSettings, apply_settings
from node.hubs.updates.service import post_update
from node.settings import Settings
from tests.node.harness import Harness
from tests.node.hub_harness import FANS, HUB, MASTO, fan, follow, hub, hub_node, refused, rows, sent

_follow = Follow.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
BASE = "https://philly.example"
HUB_URI = f"{BASE}/hubs/{HUB}"
AS_JSON = {"Accept": "application/activity+json"}


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def change(h: Harness, **values: Any) -> Any:
    with h.node.engine.begin() as conn:
        return apply_settings(h.node, conn, hub(conn), HubSettings(**values))


def test_a_profile_change_sends_update_of_the_group_to_followers(h: Harness) -> None:
    # Given a Mastodon follower, when the title, mission, images, region, tags and
    # links change, then the follower gets Update{Group} carrying the document GET serves
    fan(h)
    result = change(h, title="Port Shutdown 2026", summary="Shut it **down**",
                    avatar_url="https://philly.example/media/a.png",
                    header_url="https://philly.example/media/h.png", region="West Coast",
                    tags=["#ports", "labor", "Ports"],
                    links=[("Website", "https://ports.example/?a=1&b=<2>")])
    assert result.profile_changed and result.deliveries == 1
    h.drain()
    [update_activity] = sent(h, FANS, "Update")
    group = update_activity["object"]
    served = h.client.get(f"/hubs/{HUB}", headers=AS_JSON).json()
    assert group == served
    assert update_activity["actor"] == HUB_URI and group["id"] == HUB_URI
    assert group["name"] == "Port Shutdown 2026"
    assert group["summary"] == "<p>Shut it <strong>down</strong></p>"
    assert group["icon"] == {"type": "Image", "url": "https://philly.example/media/a.png"}
    assert group["image"] == {"type": "Image", "url": "https://philly.example/media/h.png"}
    assert group["attachment"] == [
        {"type": "PropertyValue", "name": "Region", "value": "West Coast"},
        {"type": "PropertyValue", "name": "Tags", "value": "#ports #labor"},
        {"type": "PropertyValue", "name": "Website",
         "value": '<a href="https://ports.example/?a=1&amp;b=&lt;2&gt;" rel="nofollow noopener '
                  'noreferrer" target="_blank">https://ports.example/?a=1&amp;b=&lt;2&gt;</a>'}]


def test_a_posting_policy_change_alone_sends_no_update(h: Harness) -> None:
    fan(h)
    result = change(h, posting_policy="moderated")
    assert (result.profile_changed, result.deliveries) == (False, 0)
    assert rows(h, _hub)[0]["posting_policy"] == "moderated"
    h.drain()
    assert sent(h, FANS, "Update") == []


@pytest.mark.parametrize(("values", "message"), [
    ({"title": "  "}, "a hub needs a title"),
    ({"follow_policy": "closed"}, "follow policy must be one of open, approval"),
    ({"posting_policy": "anyone"}, "posting policy must be one of members, followers"),
    ({"avatar_url": "javascript:alert(1)"}, "the avatar must be an absolute http"),
    ({"tags": ["two words"]}, "tag 'two words' must be letters"),
    ({"links": [("Site", "ftp://x.example")]}, "link 'Site' must be an absolute http"),
    ({"region": "a\nb"}, "the region must be one line"),
])
def test_bad_settings_are_refused_and_nothing_changes(h: Harness, values: dict[str, Any],
                                                      message: str) -> None:
    before = rows(h, _hub), rows(h, _actor, _actor.c.username == HUB)
    with pytest.raises(HubError, match=message):
        change(h, **{"region": "changed", **values})
    assert (rows(h, _hub), rows(h, _actor, _actor.c.username == HUB)) == before


def test_follow_approval_accepts_only_after_a_steward_approves(h: Harness) -> None:
    change(h, follow_policy="approval")
    assert h.client.get(f"/hubs/{HUB}", headers=AS_JSON).json()["manuallyApprovesFollowers"]
    ana = h.remote.add_actor(MASTO, "ana")
    request = follow(h, ana, HUB_URI)
    # Pending: no Accept yet, and no deliveries on the strength of the request
    assert sent(h, MASTO) == [] and h.remote.deliveries(f"{ana.uri}/inbox") == []
    with h.node.engine.begin() as conn:
        post_update(h.node, conn, "nate", "members only for now", [HUB])
    h.drain()
    assert sent(h, MASTO) == []
    with h.node.engine.connect() as conn:
        assert [r.follower for r in pending(conn, hub(conn))] == [ana.uri]
    with h.node.engine.begin() as conn:
        approve(h.node, conn, hub(conn), ana.uri, by=f"{BASE}/users/nate")
    h.drain()
    [accept] = h.remote.deliveries(f"{ana.uri}/inbox")
    assert accept["type"] == "Accept" and accept["actor"] == HUB_URI
    assert accept["object"] == request  # the Follow exactly as received
    assert rows(h, _follow, _follow.c.follower == ana.uri)[0]["state"] == "accepted"


def test_a_rejected_request_gets_reject_and_is_forgotten(h: Harness) -> None:
    change(h, follow_policy="approval")
    bob = h.remote.add_actor(MASTO, "bob")
    request = follow(h, bob, HUB_URI)
    with h.node.engine.begin() as conn:
        reject(h.node, conn, hub(conn), bob.uri)
    h.drain()
    [answer] = h.remote.deliveries(f"{bob.uri}/inbox")
    assert (answer["type"], answer["object"]) == ("Reject", request)
    assert rows(h, _follow, _follow.c.follower == bob.uri) == []


def test_only_stewards_answer_requests_and_only_pending_ones(h: Harness) -> None:
    change(h, follow_policy="approval")
    bob = h.remote.add_actor(MASTO, "bob")
    follow(h, bob, HUB_URI)
    refused(h, "is not an admin or moderator",
            lambda conn: approve(h.node, conn, hub(conn), bob.uri, by=bob.uri))
    refused(h, "has no pending follow request for portshutdown",
            lambda conn: reject(h.node, conn, hub(conn), f"https://{MASTO}/users/nobody"))


def test_opening_the_hub_accepts_the_waiting_requests(h: Harness) -> None:
    change(h, follow_policy="approval")
    carol = h.remote.add_actor(FANS, "carol")
    follow(h, carol, HUB_URI)
    result = change(h, follow_policy="open")
    assert result.accepted == 1 and result.profile_changed
    h.drain()
    assert [a["type"] for a in h.remote.deliveries(f"{carol.uri}/inbox")] == ["Accept"]
    # the accepted follower also gets the Update (manuallyApprovesFollowers is now false)
    [update_activity] = sent(h, FANS, "Update")
    assert update_activity["object"]["manuallyApprovesFollowers"] is False


# --- the CLI ---------------------------------------------------------------------------


@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return ["--url", BASE, "--database", database_url, "--data", str(tmp_path)]


def run(args: list[str], flags: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return main([*args, *flags])


def test_hub_set_from_the_cli(flags: list[str], monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    assert run(["hub", "create", HUB, "--title", "Port"], flags, monkeypatch) == 0
    assert run(["hub", "set", HUB, "--title", "Ports", "--follow-policy", "approval",
                "--tag", "ports", "--tag", "labor", "--link", "Site=https://ports.example",
                "--region", "West Coast", "--header", "https://ports.example/h.png"],
               flags, monkeypatch) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"ionode: updated hub {HUB} (profile Update queued for 0 deliveries)")
    with engine.connect() as conn:
        settings = conn.execute(select(_hub.c.follow_policy, _hub.c.tags, _hub.c.links,
                                       _hub.c.region, _hub.c.header_url)).one()
        actor = conn.execute(select(_actor.c.display_name, _actor.c.manually_approves_followers)
                             .where(_actor.c.username == HUB)).one()
    assert tuple(settings) == ("approval", ["ports", "labor"],
                               [{"name": "Site", "url": "https://ports.example"}],
                               "West Coast", "https://ports.example/h.png")
    assert tuple(actor) == ("Ports", True)
    assert run(["hub", "set", HUB, "--clear-tags", "--link", "no-equals-sign"], flags,
               monkeypatch) == 1
    assert capsys.readouterr().err.strip() == (
        "ionode: error: --link must be NAME=URL, not 'no-equals-sign'")
    assert run(["hub", "requests", HUB], flags, monkeypatch) == 0
    assert capsys.readouterr().out.strip() == f"{HUB} has no pending follow requests"
    assert run(["hub", "approve", HUB, "@ana@mastodon.example"], flags, monkeypatch) == 1
    assert "no known account @ana@mastodon.example" in capsys.readouterr().err
