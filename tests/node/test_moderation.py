"""The moderation queue: held posts are published or refused by stewards only; stewards
remove published items (``Undo{Announce}``)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, select, update

from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import OutboxActivity
from node.cli import main
from node.clock import Clock
from node.hubs.hub.dashboard import build_dashboard
from node.hubs.hub.featured import set_pinned
from node.hubs.hub.models import Hub, HubItem
from node.hubs.hub.moderation import publish_held, queue, refuse_held, remove_item
from node.hubs.updates.service import post_update
from node.settings import Settings
from tests.node.harness import Harness
from tests.node.hub_harness import FANS, HUB, add_member, fan, hub, hub_node, refused, rows, sent

_item = HubItem.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
BASE = "https://philly.example"


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        with harness.node.engine.begin() as conn:
            conn.execute(update(_hub).values(posting_policy="moderated"))
            for name in ("rosa", "mo"):
                create_local_actor(conn, base_url=settings.url, kind="person", username=name,
                                   now=clock())
        add_member(harness, f"{BASE}/users/rosa")
        add_member(harness, f"{BASE}/users/mo", "moderator")
        yield harness


def held_note(h: Harness, text: str = "Teach-in on Tuesday?") -> str:
    with h.node.engine.begin() as conn:
        result = post_update(h.node, conn, "rosa", text, [HUB])
    assert result.note["id"]
    return str(result.note["id"])


def hub_announces(h: Harness) -> list[dict[str, object]]:
    return [r["document"] for r in rows(h, _outbox, _outbox.c.type == "Announce")]


def test_a_members_post_waits_in_the_queue_and_is_not_announced(h: Harness) -> None:
    uri = held_note(h)
    with h.node.engine.connect() as conn:
        waiting = queue(conn, hub(conn))
    assert [(q.object_uri, q.kind, q.origin, q.note) for q in waiting] == [
        (uri, "update", "local", "waiting for a moderator")]
    assert hub_announces(h) == []


def test_publishing_a_held_post_announces_it_in_both_forms(h: Harness) -> None:
    fan(h)
    uri = held_note(h)
    with h.node.engine.begin() as conn:
        assert publish_held(h.node, conn, hub(conn), uri, by=f"{BASE}/users/mo") == 2
    h.drain()
    announces = sent(h, FANS, "Announce")
    assert announces[0]["object"]["id"] == uri  # the signed Note, embedded
    assert announces[1]["object"]["type"] == "Create"
    assert announces[1]["object"]["object"]["id"] == uri
    assert rows(h, _item)[0]["state"] == "published"
    with h.node.engine.connect() as conn:
        assert queue(conn, hub(conn)) == []


def test_refusing_keeps_the_reason_and_announces_nothing(h: Harness) -> None:
    uri = held_note(h)
    with h.node.engine.begin() as conn:
        refuse_held(h.node, conn, hub(conn), uri, "  off   topic ", by=f"{BASE}/users/nate")
    item = rows(h, _item)[0]
    assert (item["state"], item["note"]) == ("refused", "off topic")
    assert hub_announces(h) == []


@pytest.mark.parametrize(("by", "message"), [
    (f"{BASE}/users/rosa", "is not an admin or moderator of portshutdown"),
    ("https://mastodon.example/users/ana", "is not an admin or moderator of portshutdown"),
])
def test_only_stewards_moderate(h: Harness, by: str, message: str) -> None:
    uri = held_note(h)
    refused(h, message,
            lambda conn: publish_held(h.node, conn, hub(conn), uri, by=by))
    assert rows(h, _item)[0]["state"] == "held"


def test_only_held_posts_can_be_judged(h: Harness) -> None:
    uri = held_note(h)
    with h.node.engine.begin() as conn:
        publish_held(h.node, conn, hub(conn), uri)
    refused(h, "is not waiting for a moderator \\(it is published\\)",
            lambda conn: refuse_held(h.node, conn, hub(conn), uri))
    refused(h, "was not posted into portshutdown",
            lambda conn: publish_held(h.node, conn, hub(conn), f"{BASE}/objects/nope"))


def published_note(h: Harness) -> str:
    uri = held_note(h, "Boycott the scab terminal")
    with h.node.engine.begin() as conn:
        publish_held(h.node, conn, hub(conn), uri, by=f"{BASE}/users/mo")
        set_pinned(h.node, conn, hub(conn), uri, True)
    return uri


def listed(h: Harness) -> list[str]:
    """The items the hub's dashboard shows (recent and pinned)."""
    with h.node.engine.connect() as conn:
        target = hub(conn)
        board = build_dashboard(conn, target.hub, target.actor, h.now)
    return [item.uri for item in board.shown]


def test_a_steward_removes_a_published_item_and_the_hub_undoes_both_announces(
        h: Harness) -> None:
    fan(h)
    uri = published_note(h)
    h.drain()
    announced = [a["id"] for a in sent(h, FANS, "Announce")]
    assert len(announced) == 2 and uri in listed(h)
    with h.node.engine.begin() as conn:
        assert remove_item(h.node, conn, hub(conn), uri, by=f"{BASE}/users/mo",
                           reason="  breaks the   code of conduct ") == 2
    h.drain()
    undos = sent(h, FANS, "Undo")
    assert [u["object"]["id"] for u in undos] == announced
    hub_uri = f"{BASE}/hubs/{HUB}"
    for undo in undos:
        assert undo["actor"] == hub_uri and undo["object"]["actor"] == hub_uri
        assert undo["object"]["type"] == "Announce" and "@context" not in undo["object"]
    assert undos[0]["object"]["object"]["id"] == uri
    assert undos[1]["object"]["object"]["type"] == "Create"
    assert undos[1]["object"]["object"]["object"]["id"] == uri
    item = rows(h, _item)[0]
    assert (item["state"], item["note"], item["pinned"]) == (
        "refused", "breaks the code of conduct", False)
    assert sent(h, FANS, "Delete") == []  # the author's Note stays theirs
    assert uri not in listed(h)


def test_only_stewards_remove_and_only_published_items(h: Harness) -> None:
    uri = published_note(h)
    def removal(item: str, by: str) -> Callable[[Connection], int]:
        return lambda conn: remove_item(h.node, conn, hub(conn), item, by=by, reason="")

    refused(h, "rosa is not an admin or moderator of portshutdown",
            removal(uri, f"{BASE}/users/rosa"))
    held = held_note(h, "Still waiting")
    for other in (held, f"{BASE}/objects/nope"):
        refused(h, f"{other} is not a published item of portshutdown",
                removal(other, f"{BASE}/users/mo"))
    assert [r["state"] for r in rows(h, _item)] == ["published", "held"]
    assert [r["type"] for r in rows(h, _outbox, _outbox.c.type == "Undo")] == []


# --- the CLI ---------------------------------------------------------------------------


@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return ["--url", BASE, "--database", database_url, "--data", str(tmp_path)]


def run(args: list[str], flags: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    return main([*args, *flags])


def test_queue_publish_and_refuse_from_the_cli(
        flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        engine: Engine) -> None:
    for name in ("nate", "rosa"):
        assert run(["user", "create", name, "--password-stdin"], flags, monkeypatch) == 0
    assert run(["hub", "create", HUB, "--title", "Port", "--admin", "nate"], flags,
               monkeypatch) == 0
    assert run(["hub", "member", "add", HUB, "rosa"], flags, monkeypatch) == 0
    assert run(["hub", "set", HUB, "--posting-policy", "moderated"], flags, monkeypatch) == 0
    for text in ("first", "second"):
        assert run(["post", "--as", "rosa", "--hub", HUB, text], flags, monkeypatch) == 0
    capsys.readouterr()
    assert run(["hub", "queue", HUB], flags, monkeypatch) == 0
    lines = capsys.readouterr().out.splitlines()
    first, second = (line.split("\t")[2] for line in lines)
    assert lines[0].startswith(f"update\t{BASE}/users/rosa\t")
    assert run(["hub", "publish", HUB, first], flags, monkeypatch) == 0
    assert run(["hub", "refuse", HUB, second, "--reason", "duplicate"], flags, monkeypatch) == 0
    out = capsys.readouterr().out
    assert f"{HUB} published {first} (" in out and f"{HUB} refused {second}" in out
    with engine.connect() as conn:
        states = {r.object_uri: r.state for r in conn.execute(select(_item))}
    assert states == {first: "published", second: "refused"}
    assert run(["hub", "publish", HUB, second], flags, monkeypatch) == 1
    assert capsys.readouterr().err.strip() == (
        f"ionode: error: {second} is not waiting for a moderator (it is refused)")
    assert run(["hub", "remove", HUB, first, "--reason", "spam"], flags, monkeypatch) == 0
    assert capsys.readouterr().out.startswith(f"ionode: {HUB} removed {first} (")
    with engine.connect() as conn:
        removed = conn.execute(select(_item).where(_item.c.object_uri == first)).one()
        undone = [r.document["object"]["type"] for r in conn.execute(
            select(_outbox).where(_outbox.c.type == "Undo"))]
    assert (removed.state, removed.note, undone) == ("refused", "spam", ["Announce"] * 2)
    assert run(["hub", "remove", HUB, first], flags, monkeypatch) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.splitlines() == [
        f"ionode: error: {first} is not a published item of {HUB}"]
