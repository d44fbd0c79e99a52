"""News by mention (issue 10 items 2 and 3): a Mastodon user's Note addressed to @news
is queued with their handle; a moderator's decision reaches them as a direct reply."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.activitypub.following import FollowTarget
from node.activitypub.following import follow as local_follow
from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import InboxItem, StoredObject
from node.clock import Clock
from node.newswire.models import NewsItem
from node.settings import Settings
from tests.fakes.remote import FakeActor
from tests.node.cli_support import cli_flags, run_cli
from tests.node.harness import MASTO, Harness, rows, running_node
from tests.node.newswire_support import NEWS_ACTOR as NEWS
from tests.node.newswire_support import PUBLIC, make_moderator, mention, write_conduct
from tests.node.web_support import add_organizer, form_token, login

_item = NewsItem.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        add_organizer(harness.node.engine, "mo")
        make_moderator(harness.node.engine, "mo", harness.now)
        write_conduct(harness.node.engine, harness.now)
        yield harness


def send(h: Harness, actor: FakeActor, activity: dict[str, Any]) -> None:
    assert h.post_activity(actor, activity).status_code == 202
    h.drain()


def queued(h: Harness) -> list[dict[str, Any]]:
    return rows(h, _item, _item.c.state == "waiting")


def test_a_mention_is_queued_with_the_senders_handle(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    send(h, ana, mention(ana))
    [item] = queued(h)
    assert item["title"] == "Port of Oakland shut down"
    assert item["body"] == "Thousands marched to the port."
    assert item["submitter_handle"] == f"@ana@{MASTO}" and item["submitter_actor"] == ana.uri
    assert item["submitter_inbox"] == f"{ana.uri}/inbox" and item["contact_email"] == ""
    assert item["source_url"] == f"https://{MASTO}/@ana/1"
    login(h.client, "mo")
    page = h.client.get("/news/queue").text
    assert f'<a href="{ana.uri}" rel="nofollow noopener">@ana@{MASTO}</a>' in page


def test_a_direct_note_addressed_in_to_or_cc_is_queued(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    send(h, ana, mention(ana, 1, to=[NEWS], cc=[], tag=False))
    send(h, ana, mention(ana, 2, to=[PUBLIC], cc=[NEWS], tag=False))
    assert len(queued(h)) == 2


def test_a_note_not_addressing_news_is_left_alone(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    create = mention(ana, cc=[f"{ana.uri}/followers"], tag=False)
    send(h, ana, create)
    assert rows(h, _item) == []


def test_a_redelivered_create_makes_one_submission(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    create = mention(ana)
    send(h, ana, create)
    send(h, ana, dict(create, id=f"{create['id']}/again"))
    assert len(rows(h, _item)) == 1


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "x" * 10_001])
def test_a_refused_note_stores_nothing_and_says_why(h: Harness, text: str) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    send(h, ana, mention(ana, text=text))
    assert rows(h, _item) == []
    [received] = rows(h, _inbox, _inbox.c.type == "Create")
    assert received["state"] == "ignored" and "news refused" in received["error"]


def test_five_an_hour_per_account(h: Harness) -> None:
    ana, bo = h.remote.add_actor(MASTO, "ana"), h.remote.add_actor(MASTO, "bo")
    for n in range(1, 7):
        send(h, ana, mention(ana, n))
    send(h, bo, mention(bo, 1))
    assert len(rows(h, _item, _item.c.submitter_actor == ana.uri)) == 5
    assert len(rows(h, _item, _item.c.submitter_actor == bo.uri)) == 1
    refused = rows(h, _inbox, _inbox.c.state == "ignored")
    assert len(refused) == 1 and "too many submissions" in refused[0]["error"]


def test_the_authors_delete_withdraws_a_waiting_submission(h: Harness) -> None:
    ana, mallory = h.remote.add_actor(MASTO, "ana"), h.remote.add_actor(MASTO, "mallory")
    send(h, ana, mention(ana))
    status = f"{ana.uri}/statuses/1"
    for who in (mallory, ana):
        send(h, who, {"@context": "https://www.w3.org/ns/activitystreams",
                      "id": f"{who.uri}#delete", "type": "Delete", "actor": who.uri,
                      "object": {"id": status, "type": "Tombstone"}})
        if who is mallory:
            assert len(queued(h)) == 1
    assert queued(h) == []
    assert "Port of Oakland" not in h.client.get("/news").text


def test_a_post_is_still_stored_for_someone_here_who_follows_the_sender(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    with h.node.engine.begin() as conn:
        create_local_actor(conn, base_url=h.node.settings.url, kind="person",
                           username="nate", now=h.now)
        local_follow(h.node, conn, "nate", FollowTarget(ana.uri, f"{ana.uri}/inbox"))
    send(h, ana, {"id": f"{ana.uri}#accepts/1", "type": "Accept", "actor": ana.uri,
                  "object": {"type": "Follow", "actor": "https://philly.example/users/nate",
                             "object": ana.uri}})
    create = mention(ana)
    send(h, ana, create)
    assert len(queued(h)) == 1
    assert rows(h, _objects, _objects.c.uri == create["object"]["id"])


def test_a_post_not_followed_here_is_not_stored_beside_the_submission(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    create = mention(ana)
    send(h, ana, create)
    assert rows(h, _objects, _objects.c.uri == create["object"]["id"]) == []


def test_twenty_an_hour_per_server(h: Harness) -> None:
    for n in range(21):
        who = h.remote.add_actor("busy.example", f"u{n}")
        assert h.post_activity(who, mention(who)).status_code == 202
    h.drain()
    assert len(rows(h, _item)) == 20


def decide(h: Harness, action: str, **data: str) -> None:
    login(h.client, "mo")
    [item] = queued(h)
    answer = h.client.post(f"/news/queue/{item['id']}/{action}", follow_redirects=False,
                           data={"csrf_token": form_token(h.client, "/news/queue"), **data})
    assert answer.status_code == 303, answer.text
    h.drain()


def direct_reply(h: Harness, ana: FakeActor) -> dict[str, Any]:
    [create] = [a for a in h.remote.deliveries(f"{ana.uri}/inbox") if a["type"] == "Create"]
    note = create["object"]
    assert create["to"] == [ana.uri] and not create.get("cc")
    assert note["type"] == "Note" and note["to"] == [ana.uri] and not note.get("cc")
    assert note["inReplyTo"] == f"{ana.uri}/statuses/1"
    assert note["tag"] == [{"type": "Mention", "href": ana.uri, "name": f"@ana@{MASTO}"}]
    assert note["attributedTo"] == NEWS and PUBLIC not in str(create)
    served = h.client.get(note["id"], headers={"Accept": "application/activity+json"})
    assert served.status_code == 404  # not public: not served to anyone
    return dict(note)


def test_approval_publishes_the_article_and_replies_with_its_link(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    bo = h.remote.add_actor("other.example", "bo")
    send(h, bo, {"@context": "https://www.w3.org/ns/activitystreams",
                 "id": f"{bo.uri}#follow", "type": "Follow", "actor": bo.uri, "object": NEWS})
    send(h, ana, mention(ana))
    decide(h, "approve", title="Port of Oakland shut down",
           body="Thousands marched to the port.")
    [article] = [a["object"] for a in h.remote.deliveries("https://other.example/inbox")
                 if a["type"] == "Create"]
    assert article["type"] == "Article" and article["name"] == "Port of Oakland shut down"
    note = direct_reply(h, ana)
    assert f'<a href="{article["id"]}">' in note["content"] and "approved" in note["content"]


def test_rejection_replies_with_the_clause_cited(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    send(h, ana, mention(ana))
    decide(h, "reject", clause="3")
    note = direct_reply(h, ana)
    assert "Code of Conduct v1, 3. No advertising." in note["content"]
    assert "not published" in note["content"]


def test_the_cli_queue_shows_the_handle(h: Harness, database_url: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    send(h, ana, mention(ana))
    capsys.readouterr()
    assert run_cli(["news", "queue"], cli_flags(database_url, tmp_path), monkeypatch) == 0
    line = capsys.readouterr().out.strip()
    assert line.endswith(f"Port of Oakland shut down\t@ana@{MASTO}\t{ana.uri}")
