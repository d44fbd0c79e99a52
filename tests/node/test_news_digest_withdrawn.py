"""News removed after a report leaves a digest already made: the digest's page and the
mails not sent yet (also by a worker that rendered the digest before the removal)."""

from __future__ import annotations

import anyio
from sqlalchemy import select
from starlette.testclient import TestClient

from node.newswire.digest.tasks import digest_sender
from node.newswire.models import NewsItem
from node.newswire.reports.decisions import act
from node.newswire.reports.service import file_report
from node.newswire.reports.targets import object_target
from node.runtime import Node
from tests.node.digest_support import (  # noqa: F401  # noqa: F401
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
from tests.node.web_support import MovableClock

_item = NewsItem.__table__  # type: ignore[attr-defined]


def remove_after_report(site: Node, title: str) -> None:
    with site.engine.begin() as conn:
        uri = conn.execute(select(_item.c.object_uri).where(_item.c.title == title)).scalar()
        target = object_target(conn, str(uri), base_url=site.settings.url)
        filed = file_report(conn, site.services.outbox, target, reason_key="spam",
                            comment="", now=site.clock(), source="web",
                            host=site.settings.host)
        act(site, conn, filed.id, role="admin", action="removed")


def test_news_removed_after_the_digest_was_made_is_not_mailed_nor_shown(
        client: TestClient, node: Node, mailbox: Mailbox,  # noqa: F811
        movable: MovableClock) -> None:  # noqa: F811
    approved_news(node, "Port shut down")
    approved_news(node, "Buy our watches")
    subscribed(node, "ana@example.org", "bo@example.org")
    made = weekly_digest(node, movable)
    assert made.entries == 2
    sender = digest_sender(node, "test")
    assert sender is not None
    sender.batch = 1
    assert anyio.run(sender.run_once) == 1  # the first subscriber: both items
    [first] = [m for a in ("ana@example.org", "bo@example.org") for m in mailbox.to(a)]
    assert "Buy our watches" in first.get_body(("plain",)).get_content()
    remove_after_report(node, "Buy our watches")
    assert anyio.run(sender.run_once) == 1  # the same worker, the digest rendered already
    mails = [m for a in ("ana@example.org", "bo@example.org") for m in mailbox.to(a)]
    assert len(mails) == 2
    [second] = [m for m in mails if m is not first]
    for part in ("plain", "html"):
        text = second.get_body((part,)).get_content()
        assert "Port shut down" in text and "Buy our watches" not in text
    page = client.get(f"/news/digests/{made.id}").text
    assert "Port shut down" in page and "Buy our watches" not in page
