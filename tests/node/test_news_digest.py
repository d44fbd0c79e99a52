"""The weekly digest and its e-mail against a real SMTP server on loopback (aiosmtpd):
double opt-in, one mail per confirmed subscriber with both parts and RFC 8058 headers,
one-click unsubscription, bounces and retries, a worker interrupted mid-send, the
schedule, the pages and the Atom entry."""

# ruff: noqa: F811  (the fixtures imported from digest_support are the tests' parameters)

from __future__ import annotations

import re
from datetime import UTC, datetime

import anyio
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from node.activitypub.models import OutboxActivity
from node.app import background_tasks
from node.newswire.digest.claims import INTERRUPTED
from node.newswire.digest.models import DigestMail, NewsSubscriber
from node.newswire.digest.schedule import Schedule, last_slot, next_slot, set_schedule
from node.newswire.digest.sending import CLAIM_TTL
from node.newswire.digest.subscribers import subscribe
from node.newswire.digest.tasks import digest_sender, due_digest, make_due
from node.runtime import Node
from tests.conftest import NOW
from tests.node.admin_support import add_admin, page_token, signed_in
from tests.node.digest_support import (  # noqa: F401
    BASE,
    Mailbox,
    app,
    approved_news,
    client,
    mailbox,
    movable,
    node,
    smtp_url,
    subscribed,
    weekly_digest,
)
from tests.node.web_support import MovableClock, form_token

_mail = DigestMail.__table__  # type: ignore[attr-defined]
_sub = NewsSubscriber.__table__  # type: ignore[attr-defined]
















def send_all(node: Node, worker: str = "test") -> int:
    sender = digest_sender(node, worker)
    assert sender is not None
    return anyio.run(sender.run_once)


def states(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(_sub.c.email, _mail.c.state)
                            .join(_sub, _sub.c.id == _mail.c.subscriber_id))
        return {email: state for email, state in rows}


def link_in(text: str, path: str) -> str:
    found = re.search(rf"{re.escape(BASE)}({re.escape(path)}[^\s\"<]+)", text)
    assert found, text
    return found.group(1)


def test_double_opt_in_then_one_digest_with_both_parts_and_one_click_unsubscribe(
        client: TestClient, node: Node, mailbox: Mailbox,
        movable: MovableClock) -> None:
    token = form_token(client, "/news")
    answer = client.post("/news/subscribe", data={"csrf_token": token, "website": "",
                                                  "email": "Ana@Example.org "})
    assert answer.status_code == 303 and answer.headers["location"] == "/news/subscribe"
    assert "check your inbox" in client.get("/news/subscribe").text
    [confirmation] = mailbox.to("ana@example.org")
    assert not confirmation["List-Unsubscribe"]
    confirm_path = link_in(confirmation.get_body(("plain",)).get_content(),
                           "/news/subscribe/confirm/")
    approved_news(node, "Port of Oakland shut down")
    approved_news(node, "Teachers walk out")
    subscribed(node, "bo@example.org")
    with node.engine.begin() as conn:  # pending, never confirmed: gets no digest
        subscribe(conn, "pending@example.org", "en", node.clock())
    page = client.get(confirm_path)  # a mail scanner's GET confirms nothing
    assert page.status_code == 200 and 'method="post"' in page.text
    made = weekly_digest(node, movable)
    assert made.entries == 2, made
    assert made.queued == 1, states(node.engine)
    assert send_all(node) == 1
    assert not mailbox.to("pending@example.org") and len(mailbox.to("bo@example.org")) == 1
    done = client.post(confirm_path, data={"csrf_token": form_token(client, confirm_path)})
    assert done.status_code == 200 and "Subscribed" in done.text
    assert client.get(confirm_path).status_code == 404  # the token is spent
    movable.advance(days=7)
    approved_news(node, "Dockers strike again")
    made = weekly_digest(node, movable)
    assert made.entries == 1 and made.queued == 2  # the week's news only, two confirmed
    assert send_all(node) == 2 and send_all(node) == 0
    [digest] = mailbox.to("ana@example.org")[1:]
    assert len(mailbox.to("bo@example.org")) == 2
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digest["From"] == "news@philly.example"
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    assert "Dockers strike again" in text and "Dockers strike again" in html
    assert "Teachers walk out" not in text
    unsubscribe = link_in(text, "/news/unsubscribe/")
    assert digest["List-Unsubscribe"].strip() == f"<{BASE}{unsubscribe}>"  # maybe folded
    assert unsubscribe in html
    assert "Unsubscribe" in client.get(unsubscribe).text
    one_click = TestClient(client.app, base_url=BASE)  # a mail client: no cookie, no token
    answer = one_click.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    with node.engine.connect() as conn:
        state = conn.execute(select(_sub.c.state).where(_sub.c.email == "ana@example.org"))
        assert state.scalar_one() == "unsubscribed"
    assert client.post(unsubscribe[:-1] + "x").status_code == 404  # a forged signature


def test_a_worker_killed_mid_send_leaves_every_subscriber_exactly_one_digest(
        node: Node, mailbox: Mailbox, movable: MovableClock) -> None:
    approved_news(node, "Port of Oakland shut down")
    addresses = [f"s{i}@example.org" for i in range(5)]
    subscribed(node, *addresses)
    mailbox.hold = ("RCPT", "s2@example.org")
    weekly_digest(node, movable)
    sender = digest_sender(node, "doomed")
    assert sender is not None

    async def killed() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(sender.run_once)
            await anyio.to_thread.run_sync(mailbox.held.wait, 10)
            group.cancel_scope.cancel()  # the worker dies while the server holds RCPT

    anyio.run(killed)
    assert states(node.engine) == {"s0@example.org": "sent", "s1@example.org": "sent",
                                   "s2@example.org": "sending", "s3@example.org": "sending",
                                   "s4@example.org": "sending"}
    mailbox.hold = None
    mailbox.release.set()
    assert send_all(node, "other") == 0  # the dead worker's claims have not expired yet
    movable.advance(seconds=CLAIM_TTL.total_seconds() + 1)
    assert send_all(node, "other") == 3
    assert set(states(node.engine).values()) == {"sent"}
    assert [len(mailbox.to(a)) for a in addresses] == [1, 1, 1, 1, 1]


def test_a_worker_killed_during_data_never_sends_that_mail_again(
        node: Node, mailbox: Mailbox, movable: MovableClock) -> None:
    approved_news(node, "Port of Oakland shut down")
    subscribed(node, "a@example.org", "b@example.org")
    mailbox.hold = ("DATA", "a@example.org")
    weekly_digest(node, movable)
    sender = digest_sender(node, "doomed")
    assert sender is not None

    async def killed() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(sender.run_once)
            await anyio.to_thread.run_sync(mailbox.held.wait, 10)
            group.cancel_scope.cancel()

    anyio.run(killed)
    mailbox.hold = None
    mailbox.release.set()  # the server keeps the message after all
    movable.advance(seconds=CLAIM_TTL.total_seconds() + 1)
    assert send_all(node, "other") == 1
    with node.engine.connect() as conn:
        row = conn.execute(select(_mail.c.state, _mail.c.error).join(
            _sub, _sub.c.id == _mail.c.subscriber_id).where(
            _sub.c.email == "a@example.org")).one()
    assert row.state == "failed" and row.error == INTERRUPTED
    assert send_all(node, "other") == 0
    assert len(mailbox.to("a@example.org")) <= 1 and len(mailbox.to("b@example.org")) == 1


def test_a_permanent_refusal_bounces_and_a_temporary_one_is_retried(
        node: Node, mailbox: Mailbox, movable: MovableClock) -> None:
    approved_news(node, "Port of Oakland shut down")
    subscribed(node, "gone@example.org", "busy@example.org", "ok@example.org")
    mailbox.refuse = {"gone@example.org": "550 5.1.1 No such user",
                      "busy@example.org": "451 4.3.0 Try again later"}
    weekly_digest(node, movable)
    assert send_all(node) == 3
    assert states(node.engine) == {"gone@example.org": "bounced",
                                   "busy@example.org": "queued", "ok@example.org": "sent"}
    with node.engine.connect() as conn:
        errors = dict(conn.execute(select(_sub.c.email, _mail.c.error).join(
            _sub, _sub.c.id == _mail.c.subscriber_id)).all())
    assert errors["gone@example.org"].startswith("550") and "No such user" in \
        errors["gone@example.org"]
    assert send_all(node) == 0  # backing off
    mailbox.refuse = {}
    movable.advance(minutes=3)
    assert send_all(node) == 1
    assert states(node.engine)["busy@example.org"] == "sent"
    assert len(mailbox.to("gone@example.org")) == 0 and len(mailbox.to("ok@example.org")) == 1


def test_the_schedule_makes_each_week_s_digest_once_with_page_atom_and_article(
        client: TestClient, node: Node, movable: MovableClock) -> None:
    approved_news(node, "Port of Oakland shut down")  # Saturday 2026-11-21 12:00 UTC
    with node.engine.begin() as conn:
        set_schedule(conn, "mon", 9, node.clock())
    assert due_digest(node) is None  # last Monday's slot was before the schedule was set
    movable.at = datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC)  # Monday 09:00 UTC
    made = due_digest(node)
    assert made is not None and made.entries == 1
    assert anyio.run(make_due, node) == 0  # once per slot (the periodic task's run)
    assert "news digest" in [task.name for task in background_tasks()]
    movable.advance(days=7)
    assert due_digest(node) is None  # a week with no news makes no digest
    page = client.get(f"/news/digests/{made.id}")
    assert page.status_code == 200 and "Port of Oakland shut down" in page.text
    assert f'href="/news/digests/{made.id}"' in client.get("/news/digests").text
    feed = client.get("/news/feed.atom").text
    assert f"{BASE}/news/digests/{made.id}" in feed
    with node.engine.connect() as conn:
        kinds = conn.execute(select(OutboxActivity.__table__.c.document)).scalars().all()  # type: ignore[attr-defined]
    articles = [d for d in kinds if d.get("object", {}).get("name") == made.title]
    assert len(articles) == 1 and articles[0]["object"]["type"] == "Article"
    assert articles[0]["object"]["url"] == f"{BASE}/news/digests/{made.id}"


def test_subscribing_is_limited_and_refuses_bad_addresses(client: TestClient,
                                                          mailbox: Mailbox) -> None:
    token = form_token(client, "/news")
    bad = client.post("/news/subscribe", data={"csrf_token": token, "email": "not-mail"})
    assert bad.status_code == 400 and "not valid" in bad.text
    for _ in range(2):  # asking twice sends one confirmation
        client.post("/news/subscribe", data={"csrf_token": token, "email": "c@example.org"})
    assert len(mailbox.to("c@example.org")) == 1
    for i in range(3):
        client.post("/news/subscribe", data={"csrf_token": token, "email": f"{i}@ex.org"})
    refused = client.post("/news/subscribe", data={"csrf_token": token,
                                                   "email": "late@example.org"})
    assert refused.status_code == 429 and not mailbox.to("late@example.org")
    assert client.post("/news/subscribe", data={"email": "x@example.org"}).status_code == 403


def test_the_admin_page_sets_the_schedule_and_shows_progress(
        client: TestClient, node: Node, engine: Engine) -> None:
    add_admin(engine, "ada")
    signed_in(client, "ada")
    token = page_token(client, "/admin/digest")
    saved = client.post("/admin/digest/schedule", data={"csrf_token": token,
                                                        "weekday": "friday", "hour": "17"})
    assert saved.status_code == 303
    page = client.get("/admin/digest?saved=schedule").text
    assert "Every Friday at 17:00" in page and "Subscribers: 0 confirmed" in page
    refused = client.post("/admin/digest/schedule", data={"csrf_token": token,
                                                          "weekday": "someday", "hour": "1"})
    assert refused.status_code == 400
    approved_news(node, "Port of Oakland shut down")
    subscribed(node, "d@example.org")
    made = client.post("/admin/digest/run", data={"csrf_token": token})
    assert made.headers["location"] == "/admin/digest?saved=made"
    assert "<td>1</td>" in client.get("/admin/digest").text


def test_slots_keep_their_wall_time_across_daylight_saving() -> None:
    schedule = Schedule(0, 9, NOW)  # Mondays 09:00
    sunday = datetime(2026, 3, 29, 12, tzinfo=UTC)  # Madrid moves to summer time today
    assert last_slot(sunday, schedule, "Europe/Madrid") == datetime(2026, 3, 23, 8,
                                                                     tzinfo=UTC)
    assert next_slot(sunday, schedule, "Europe/Madrid") == datetime(2026, 3, 30, 7,
                                                                     tzinfo=UTC)
