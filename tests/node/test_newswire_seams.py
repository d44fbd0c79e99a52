"""Where the newswire's features meet (issue 10): blocks against the queue, reports
against the feed's WebSub pings, and the like. Each test is the regression test of a
defect found when the features were merged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from node.activitypub.models import StoredObject
from node.activitypub.vocab import PUBLIC
from node.clock import Clock
from node.hubs.hub.members import set_member
from node.hubs.hub.publish import load_hub
from node.newswire.blocks.service import Target, block
from node.newswire.digest.build import make_digest
from node.newswire.errors import NewsError
from node.newswire.forwards.service import forward_item
from node.newswire.models import NewsItem
from node.newswire.moderation.service import approve
from node.newswire.reports.decisions import act
from node.newswire.reports.service import file_report
from node.newswire.reports.targets import object_target
from node.newswire.submissions.rules import check_submission
from node.newswire.submissions.service import store_submission
from node.newswire.websub.models import WebSubPing
from node.settings import Settings
from tests.node.harness import Harness, running_node
from tests.node.reports_support import an_update, report_node

_item = NewsItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_ping = WebSubPing.__table__  # type: ignore[attr-defined]
HUB_URL = "https://websub.example/"


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings.with_overrides(websub_hub=HUB_URL), clock) as harness:
        yield harness


def pings_waiting(h: Harness) -> int:
    """The pings queued and not sent yet; the caller then marks them sent."""
    with h.node.engine.begin() as conn:
        found = len(conn.execute(select(_ping.c.id).where(_ping.c.state == "queued")).all())
        conn.execute(update(_ping).values(state="sent"))
    return found


def fediverse_news(h: Harness, actor: str, note: str, title: str = "Port shut") -> int:
    """News sent by mention from ``actor`` as post ``note``, stored like the inbox does."""
    submission = check_submission(title=title, body="Thousands marched.", links=[],
                                  source_url=note, submitter_name="", contact_email="")
    with h.node.engine.begin() as conn:
        conn.execute(insert(_object).values(
            uri=note, type="Note", attributed_to=actor, local=False, received_at=h.now,
            published=h.now, document={"id": note, "type": "Note", "attributedTo": actor,
                                        "content": "<p>Thousands marched.</p>",
                                        "to": [PUBLIC]}))
        item_id, _ = store_submission(conn, submission, now=h.now, submitter_actor=actor,
                                      submitter_handle="@x@host",
                                      submitter_inbox=f"{actor}/inbox",
                                      submitted_object=note)
    return item_id


def blocked(h: Harness, target: Target) -> None:
    with h.node.engine.begin() as conn:
        block(h.node, conn, target, "harassment", role="admin")
    h.node.services.policy.invalidate()


def state(h: Harness, item_id: int) -> str:
    with h.node.engine.connect() as conn:
        return str(conn.execute(select(_item.c.state).where(_item.c.id == item_id))
                   .scalar_one())


def test_news_from_a_sender_blocked_while_it_waited_cannot_be_published(h: Harness) -> None:
    by_domain = fediverse_news(h, "https://evil.example/users/x", "https://evil.example/n/1")
    by_account = fediverse_news(h, "https://ok.example/users/troll", "https://ok.example/n/2")
    fine = fediverse_news(h, "https://ok.example/users/ana", "https://ok.example/n/3")
    blocked(h, Target("domain", "EVIL.example."))
    blocked(h, Target("actor", "https://ok.example/users/troll"))
    for item_id in (by_domain, by_account):
        with h.node.engine.begin() as conn, pytest.raises(NewsError, match="blocks"):
            approve(h.node, conn, item_id, role="admin")
        assert state(h, item_id) == "waiting"
    with h.node.engine.begin() as conn:
        assert approve(h.node, conn, fine, role="admin").object_uri
    assert state(h, fine) == "approved"


def test_news_removed_after_a_report_and_a_new_digest_ping_the_websub_hub(
    h: Harness,
) -> None:
    item_id = fediverse_news(h, "https://ok.example/users/ana", "https://ok.example/n/1")
    with h.node.engine.begin() as conn:
        uri = approve(h.node, conn, item_id, role="admin").object_uri
    assert pings_waiting(h) == 1  # the approval's
    with h.node.engine.begin() as conn:
        made = make_digest(h.node, conn, slot_at=h.now, end=h.now + timedelta(minutes=1))
    assert made is not None and made.entries == 1
    assert pings_waiting(h) == 1  # the digest is a new entry of the news feed
    with h.node.engine.begin() as conn:
        target = object_target(conn, uri, base_url=h.node.settings.url)
        filed = file_report(conn, h.node.services.outbox, target, reason_key="spam",
                            comment="", now=h.now, source="web",
                            host=h.node.settings.host)
        act(h.node, conn, filed.id, role="admin", action="removed")
    assert state(h, item_id) == "removed"
    assert pings_waiting(h) == 1  # the feed lost the entry: readers are told


def test_blocking_the_author_of_a_picked_item_pings_the_websub_hub(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        conn.execute(insert(_object).values(
            uri="https://evil.example/a/1", type="Article",
            attributed_to="https://evil.example/users/x", local=False, received_at=h.now,
            document={"id": "https://evil.example/a/1", "type": "Article"}))
    blocked(h, Target("domain", "evil.example"))
    assert pings_waiting(h) == 1


def test_removing_a_reported_hub_item_removes_the_news_forwarded_from_it(
    settings: Settings, clock: Clock
) -> None:
    with report_node(settings, clock) as site:
        nate = f"{settings.url}/users/nate"
        with site.node.engine.begin() as conn:
            set_member(conn, load_hub(conn, "portshutdown"), nate, "admin", site.now)
        published = an_update(site, "Buy cheap watches at the gates")
        queued = an_update(site, "Buy more watches at the gates")
        with site.node.engine.begin() as conn:
            first = forward_item(site.node, conn, "portshutdown", published, by=nate)
            article = approve(site.node, conn, first, role="admin").object_uri
            second = forward_item(site.node, conn, "portshutdown", queued, by=nate)
        assert "Buy cheap watches" in site.client.get("/news").text
        for uri in (published, queued):
            with site.node.engine.begin() as conn:
                target = object_target(conn, uri, base_url=settings.url)
                filed = file_report(conn, site.node.services.outbox, target,
                                    reason_key="spam", comment="", now=site.now,
                                    source="web", host=settings.host)
                act(site.node, conn, filed.id, role="admin", action="removed")
        assert state(site, first) == "removed" and state(site, second) == "removed"
        with site.node.engine.connect() as conn:
            assert conn.execute(select(_object.c.deleted_at)
                                .where(_object.c.uri == article)).scalar() is not None
        assert "Buy cheap watches" not in site.client.get("/news").text
