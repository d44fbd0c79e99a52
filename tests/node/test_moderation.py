"""The moderation queue: held posts are published or refused by stewards only."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import OutboxActivity
from node.cli import main
from node.clock import Clock
from node.hubs.models import Hub, HubItem
from node.hubs.moderation import publish_held, queue, refuse_held
from node.notes import post_note
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
        result = post_note(h.node, conn, "rosa", text, [HUB])
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
