"""Reports (issue 10 item 7): the form files a report (and nothing on bad input); a
report on remote content goes to its origin as a Flag by the node's actor, without the
reporter unless they agree; an incoming Mastodon Flag joins the queue; a decision
enters the public log and reaches the reporter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from node.activitypub.models import InboxItem, OutboxActivity, StoredObject
from node.clock import Clock
from node.newswire.models import NewsItem, NewsLogEntry
from node.newswire.reports.models import NewsReport
from node.newswire.reports.service import REPORT_LIMIT
from node.settings import Settings
from tests.node.harness import MASTO, Harness, rows
from tests.node.newswire_support import submit, tracking_path
from tests.node.reports_support import (
    a_remote_note,
    an_update,
    known,
    mastodon_flag,
    report,
    report_node,
)
from tests.node.web_support import form_token, login

_report = NewsReport.__table__  # type: ignore[attr-defined]
_log = NewsLogEntry.__table__  # type: ignore[attr-defined]
_news = NewsItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]
NODE_ACTOR = "https://philly.example/actor"
MASTO_INBOX = f"https://{MASTO}/inbox"


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with report_node(settings, clock) as harness:
        yield harness


def decide(h: Harness, report_id: int, decision: str, note: str = "") -> Any:
    h.client.cookies.clear()
    login(h.client, "mo")
    token = form_token(h.client, "/news/reports")
    return h.client.post(f"/news/reports/{report_id}", follow_redirects=False,
                         data={"csrf_token": token, "decision": decision, "note": note})


def flags_sent(h: Harness) -> list[dict[str, Any]]:
    return [a for a in h.remote.deliveries(MASTO_INBOX) if a["type"] == "Flag"]


def test_a_visitor_reports_an_update_and_a_moderator_removes_it(h: Harness) -> None:
    uri = an_update(h)
    form = h.client.get(f"/report?object={uri}")
    assert form.status_code == 200 and "Meet at the gates at 6am" in form.text
    assert "2. No harassment, no doxxing." in form.text  # the clauses are reasons
    sent = report(h.client, object=uri, reason="conduct:2", comment="Doxxes a worker")
    assert sent.status_code == 303
    track = sent.headers["location"].split("?")[0]
    [filed] = rows(h, _report)
    assert filed["kind"] == "item" and filed["local"] and filed["reporter_account_id"] is None
    assert filed["reason"] == "Code of Conduct v1, 2. No harassment, no doxxing."
    assert filed["flag_uri"] is None  # ours: nothing goes elsewhere
    assert "Waiting for a moderator" in h.client.get(track).text
    queue = (login(h.client, "mo"), h.client.get("/news/reports"))[1].text
    assert "Doxxes a worker" in queue and "reported anonymously" in queue
    assert decide(h, filed["id"], "removed", "Removed: a home address").status_code == 303
    h.drain()
    [obj] = rows(h, _objects, _objects.c.uri == uri)
    assert obj["deleted_at"] is not None
    assert rows(h, _outbox, _outbox.c.type == "Delete", _outbox.c.object_uri == uri)
    log = h.client.get("/news/log").text
    assert "report upheld, item removed" in log and "Removed: a home address" in log
    assert "Doxxes a worker" not in log  # the comment stays with the moderators
    assert "the item was removed" in h.client.get(track).text


def test_a_signed_in_report_on_remote_content_is_flagged_without_the_reporter(
        h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    status = a_remote_note(h, ana)
    login(h.client, "nate")
    assert report(h.client, object=status, comment="Spam bot").status_code == 303
    h.drain()
    [flag] = flags_sent(h)
    assert flag["actor"] == NODE_ACTOR and flag["object"] == [ana.uri, status]
    assert "Spam bot" in flag["content"] and "Reason: spam" in flag["content"]
    assert flag["summary"] == "spam"
    assert "nate" not in str(flag) and "tag" not in flag
    [post] = [r for r in h.remote.received if r.method == "POST"]
    assert f'keyId="{NODE_ACTOR}#main-key"' in post.headers["signature"]
    [filed] = rows(h, _report)
    assert filed["flag_uri"] == flag["id"] and filed["forwarded_to"] == MASTO_INBOX
    assert not filed["local"] and filed["reporter_account_id"] is not None
    served = h.client.get(flag["id"], headers={"Accept": "application/activity+json"})
    assert served.status_code == 404  # not public: served to nobody


def test_a_reporter_who_agrees_is_named_in_the_flag(h: Harness) -> None:
    ana = known(h, h.remote.add_actor(MASTO, "ana"))
    login(h.client, "nate")
    token = form_token(h.client, f"/report?account={ana.uri}")
    assert "Include my identity" in h.client.get(f"/report?account={ana.uri}").text
    answer = h.client.post("/report", follow_redirects=False, data={
        "csrf_token": token, "account": ana.uri, "reason": "other", "comment": "",
        "website": "", "identity": "yes"})
    assert answer.status_code == 303
    h.drain()
    [flag] = flags_sent(h)
    assert flag["object"] == [ana.uri]
    assert "@nate@philly.example" in flag["content"]
    assert flag["tag"] == [{"type": "Mention", "href": "https://philly.example/users/nate",
                            "name": "@nate@philly.example"}]


def test_an_anonymous_visitor_is_not_offered_to_be_named(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    status = a_remote_note(h, ana)
    assert "Include my identity" not in h.client.get(f"/report?object={status}").text
    token = form_token(h.client, f"/report?object={status}")
    h.client.post("/report", data={"csrf_token": token, "object": status, "reason": "spam",
                                   "website": "", "identity": "yes"})
    h.drain()
    [flag] = flags_sent(h)
    assert "tag" not in flag and "Reported by" not in flag["content"]


def test_an_incoming_mastodon_flag_lands_in_the_queue(h: Harness) -> None:
    uri = an_update(h)
    instance = h.remote.add_actor(MASTO, MASTO)  # Mastodon's instance actor signs Flags
    flag = mastodon_flag(instance, uri)
    for _ in range(2):  # a redelivery makes no second report
        assert h.post_activity(instance, flag).status_code == 202
        h.drain()
    [filed] = rows(h, _report)
    assert filed["source"] == "remote" and filed["local"] and filed["kind"] == "item"
    assert filed["object_uris"] == [uri]  # only ours: the other server's account is dropped
    assert filed["account_uri"] == "https://philly.example/users/nate"
    assert filed["comment"] == "Boo!! doxxing & threats"
    assert filed["reporter_actor"] == instance.uri and filed["flag_uri"] == flag["id"]
    assert filed["reason"] == "unspecified"  # Mastodon's Flag carries no category
    login(h.client, "mo")
    queue = h.client.get("/news/reports").text
    assert "Meet at the gates at 6am" in queue and "Boo!! doxxing &amp; threats" in queue
    assert "Category given by the reporting server: none (Mastodon" in queue


def test_an_incoming_flag_with_a_category_keeps_it_for_the_moderators(h: Harness) -> None:
    uri = an_update(h)
    instance = h.remote.add_actor(MASTO, MASTO)
    flag = dict(mastodon_flag(instance, uri), summary="violation",
                content="Violated rule: 2. No harassment")
    assert h.post_activity(instance, flag).status_code == 202
    h.drain()
    [filed] = rows(h, _report)
    assert filed["reason"] == "violation" and filed["comment"] == "Violated rule: 2. No harassment"
    login(h.client, "mo")
    queue = h.client.get("/news/reports").text
    assert "Category given by the reporting server: a violation of its rules" in queue
    assert "Violated rule: 2. No harassment" in queue


def test_a_flag_about_nothing_of_ours_is_ignored(h: Harness) -> None:
    instance = h.remote.add_actor(MASTO, MASTO)
    flag = dict(mastodon_flag(instance, f"https://{MASTO}/statuses/9"),
                object=[f"https://{MASTO}/users/x"])
    h.post_activity(instance, flag)
    h.drain()
    assert rows(h, _report) == []
    [item] = rows(h, _inbox, _inbox.c.type == "Flag")
    assert item["state"] == "ignored" and "names nothing of this node" in item["error"]


def test_a_dismissal_is_logged_and_reaches_the_signed_in_reporter(h: Harness) -> None:
    ana = known(h, h.remote.add_actor(MASTO, "ana"))
    login(h.client, "nate")
    assert report(h.client, account=ana.uri, reason="other",
                  comment="Seems a bot").status_code == 303
    [filed] = rows(h, _report)
    assert decide(h, filed["id"], "removed").status_code == 400  # not ours to remove
    assert decide(h, filed["id"], "dismiss", "Not a bot").status_code == 303
    [entry] = rows(h, _log)
    assert entry["action"] == "dismissed" and entry["report_id"] == filed["id"]
    assert entry["title"] == f"@ana@{MASTO}" and entry["item_id"] is None
    log = h.client.get("/news/log").text
    assert "report dismissed" in log and "Not a bot" in log and "nate" not in log
    assert "Seems a bot" not in log
    h.client.cookies.clear()
    login(h.client, "nate")
    mine = h.client.get("/account/reports").text
    assert f"@ana@{MASTO}" in mine and "Dismissed" in mine and "Not a bot" in mine
    assert decide(h, filed["id"], "dismiss").status_code == 400  # decided already


def test_a_refused_report_stores_nothing(h: Harness) -> None:
    uri = an_update(h)
    token = form_token(h.client, f"/report?object={uri}")
    for fields in ({"website": "http://spam.example"},  # the honeypot
                   {"reason": "because"}, {"comment": "x" * 1001}):
        data = {"csrf_token": token, "object": uri, "reason": "spam", "comment": "",
                "website": "", **fields}
        answer = h.client.post("/report", data=data)
        assert answer.status_code == 400 and 'role="alert"' in answer.text
    spanish = h.client.post("/report", headers={"accept-language": "es"}, data={
        "csrf_token": token, "object": uri, "reason": "", "website": ""})
    assert "Elige un motivo para la denuncia." in spanish.text
    assert rows(h, _report) == []


def test_reports_are_limited_per_address(h: Harness) -> None:
    uri = an_update(h)
    for _ in range(REPORT_LIMIT):
        assert report(h.client, object=uri).status_code == 303
    assert report(h.client, object=uri).status_code == 429
    assert len(rows(h, _report)) == REPORT_LIMIT


def test_report_links_404s_and_who_sees_the_queue(h: Harness) -> None:
    uri = an_update(h)
    assert "/report?object=" in h.client.get("/hubs/portshutdown").text
    assert "/report?object=" in h.client.get(uri).text
    assert "/report?account=" in h.client.get("/users/nate").text
    assert h.client.get("/report?object=https://philly.example/objects/nope").status_code == 404
    assert h.client.get("/report").status_code == 404
    ana = h.remote.add_actor(MASTO, "ana")
    status = a_remote_note(h, ana)
    with h.node.engine.begin() as conn:  # a private item answers as one that is not there
        conn.execute(_objects.update().where(_objects.c.uri == status).values(
            document={"id": status, "type": "Note", "to": [ana.uri], "content": "secret"}))
    assert h.client.get(f"/report?object={status}").status_code == 404
    assert h.client.get("/report/track/unknown").status_code == 404
    assert h.client.get("/news/reports", follow_redirects=False).status_code in (302, 303)
    login(h.client, "nate")
    assert h.client.get("/news/reports").status_code == 403


def test_removing_reported_news_deletes_the_article_and_takes_it_off_the_front_page(
        h: Harness) -> None:
    track = tracking_path(submit(h.client, title="Buy our watches"))
    [item] = rows(h, _news)
    login(h.client, "mo")
    token = form_token(h.client, "/news/queue")
    h.client.post(f"/news/queue/{item['id']}/approve", data={
        "csrf_token": token, "title": "Buy our watches", "body": item["body"]})
    [item] = rows(h, _news)
    h.client.cookies.clear()
    assert report(h.client, object=item["object_uri"], reason="conduct:3").status_code == 303
    [filed] = rows(h, _report)
    assert filed["kind"] == "news" and filed["account_uri"] == "https://philly.example/news"
    assert decide(h, filed["id"], "removed").status_code == 303
    h.drain()
    [item] = rows(h, _news)
    assert item["state"] == "removed"
    assert "Buy our watches" not in h.client.get("/news").text.split("Latest news")[1]
    assert rows(h, _outbox, _outbox.c.type == "Delete",
                _outbox.c.object_uri == item["object_uri"])
    assert "Removed by the moderators after a report" in h.client.get(track).text
