"""The newswire on the wire: @news is a followable Service; an approved submission
becomes a signed Article by @news, delivered at once to a Mastodon-shaped follower."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import select

from node.activitypub.keys import decode_ed25519_multikey
from node.activitypub.models import Delivery, OutboxActivity
from node.activitypub.proofs import ProofVerified, verify_proof
from node.clock import Clock
from node.newswire.models import NewsItem
from node.settings import Settings
from tests.node.harness import MASTO, Harness, running_node
from tests.node.newswire_support import (
    NEWS,
    make_moderator,
    submit,
    tracking_path,
    write_conduct,
)
from tests.node.web_support import add_organizer, form_token, login

_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_delivery = Delivery.__table__  # type: ignore[attr-defined]
_item = NewsItem.__table__  # type: ignore[attr-defined]
AS_JSON = {"Accept": "application/activity+json"}


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        add_organizer(harness.node.engine, "mo")
        make_moderator(harness.node.engine, "mo", harness.now)
        write_conduct(harness.node.engine, harness.now)
        yield harness


def follow_news(h: Harness) -> str:
    """Ana on Mastodon follows @news; the Accept goes back at once. Her inbox."""
    ana = h.remote.add_actor(MASTO, "ana")
    news = h.local("news")
    follow = {"@context": "https://www.w3.org/ns/activitystreams",
              "id": f"{ana.uri}#follows/news", "type": "Follow", "actor": ana.uri,
              "object": news.uri}
    assert h.post_activity(ana, follow, path="/news/inbox").status_code == 202
    h.drain()
    accepts = h.remote.deliveries(f"{ana.uri}/inbox")
    assert [a["type"] for a in accepts] == ["Accept"]
    assert accepts[0]["object"]["id"] == follow["id"]
    return f"https://{MASTO}/inbox"


def test_news_is_a_service_found_by_webfinger(h: Harness) -> None:
    jrd = h.client.get("/.well-known/webfinger",
                       params={"resource": "acct:news@philly.example"}).json()
    assert jrd["subject"] == "acct:news@philly.example"
    selfs = [link for link in jrd["links"] if link["rel"] == "self"]
    assert selfs == [{"rel": "self", "type": "application/activity+json",
                      "href": "https://philly.example/news"}]
    actor = h.client.get("/news", headers=AS_JSON).json()
    assert actor["type"] == "Service" and actor["id"] == "https://philly.example/news"
    assert actor["preferredUsername"] == "news"
    assert actor["inbox"] == "https://philly.example/news/inbox"
    assert actor["publicKey"]["id"] == "https://philly.example/news#main-key"
    assert actor["assertionMethod"][0]["type"] == "Multikey"
    assert actor["manuallyApprovesFollowers"] is False


def test_an_approved_submission_reaches_a_mastodon_follower_at_once(h: Harness) -> None:
    shared_inbox = follow_news(h)
    track = tracking_path(submit(h.client))
    assert "Waiting for a moderator." in h.client.get(track).text
    assert login(h.client, "mo").status_code in (200, 303)
    with h.node.engine.connect() as conn:
        item_id = conn.execute(select(_item.c.id)).scalar_one()
    token = form_token(h.client, "/news/queue")
    answer = h.client.post(f"/news/queue/{item_id}/approve", follow_redirects=False,
                           data={"csrf_token": token, "title": NEWS["title"],
                                 "body": NEWS["body"]})
    assert answer.status_code == 303
    with h.node.engine.connect() as conn:  # written with its delivery row, in one go
        queued = select(_delivery.c.inbox).join(_outbox, _outbox.c.id == _delivery.c.activity_id
                                                ).where(_outbox.c.type == "Create")
        assert conn.execute(queued).scalars().all() == [shared_inbox]
    h.drain()
    [create] = [a for a in h.remote.deliveries(shared_inbox) if a["type"] == "Create"]
    article = create["object"]
    news = h.local("news")
    assert create["actor"] == news.uri and article["attributedTo"] == news.uri
    assert article["type"] == "Article" and article["name"] == NEWS["title"]
    assert article["summary"] == "Thousands marched to the port."
    assert article["url"] == article["id"]
    assert article["attachment"][0]["href"] == NEWS["source_url"]
    assert "Submitted by Rosa" in article["content"]
    assert "<strong>port</strong>" in article["content"]
    assert "rosa@example.net" not in orjson.dumps(create).decode()
    key = decode_ed25519_multikey(news.ed25519_public_multibase)
    assert isinstance(verify_proof(article, key, now=h.now), ProofVerified)
    page = h.client.get(track).text
    assert "Approved and published" in page and article["id"] in page
    front = h.client.get("/news").text
    assert NEWS["title"] in front and "rosa@example.net" not in front
    feed = h.client.get("/news/feed.atom")
    assert feed.status_code == 200 and NEWS["title"] in feed.text
    served = h.client.get(article["id"], headers=AS_JSON).json()
    assert served["id"] == article["id"]
    outbox = h.client.get("/news/outbox?page=1", headers=AS_JSON).json()
    assert [a["type"] for a in outbox["orderedItems"]] == ["Create"]
    followers = h.client.get("/news/followers", headers=AS_JSON).json()
    assert followers["totalItems"] == 1


def test_an_edit_is_published_as_edited_and_logged(h: Harness) -> None:
    follow_news(h)
    submit(h.client)
    login(h.client, "mo")
    with h.node.engine.connect() as conn:
        item_id = conn.execute(select(_item.c.id)).scalar_one()
    h.client.post(f"/news/queue/{item_id}/approve",
                  data={"csrf_token": form_token(h.client, "/news/queue"),
                        "title": "Oakland port shut down", "body": NEWS["body"]})
    with h.node.engine.connect() as conn:
        doc = conn.execute(select(_outbox.c.document).where(_outbox.c.type == "Create")
                           ).scalar_one()
    assert doc["object"]["name"] == "Oakland port shut down"
    assert "Edited by the newswire" in doc["object"]["content"]
    log = h.client.get("/news/log").text
    assert "edited" in log and "approved" in log and "a news moderator" in log
    assert "mo" not in log.split("<main>")[1].split("</main>")[0].replace("moderat", "")
    assert "edited by the moderators" in h.client.get("/news").text
