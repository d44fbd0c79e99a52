"""A real ``ionode worker`` killed (SIGKILL) while it sends a digest: once its claims
expire, ``ionode news digest send`` finishes the job and every subscriber has the digest
exactly once at the aiosmtpd server on loopback (issue 10, "Done means").

The node is seeded in this process (the same database, through the domain services);
only the sending is the real processes'. The five-minute claim expiry is not waited
for: the test moves the dead worker's ``claimed_until`` into the past, which is what
the passing of time does to it.
"""

from __future__ import annotations

import dataclasses
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from federation_tests.nodes import NodeProcess, wait_for
from node.app import build_node
from node.newswire.digest.models import DigestMail
from node.newswire.digest.subscribers import confirm, subscribe
from node.newswire.digest.tasks import digest_now
from node.newswire.moderation.service import approve
from node.newswire.submissions.rules import check_submission
from node.newswire.submissions.service import store_submission
from node.settings import Settings
from tests.node.digest_support import Mailbox, mailbox, smtp_url  # noqa: F401

READERS = ("r0@example.org", "r1@example.org", "r2@example.org", "r3@example.org")
_mail = DigestMail.__table__  # type: ignore[attr-defined]


@dataclasses.dataclass
class MailingNode(NodeProcess):
    smtp_url: str = ""

    def env(self) -> dict[str, str]:
        return {**super().env(), "IONODE_SMTP_URL": self.smtp_url}


def seed(node: MailingNode) -> None:
    """One approved item, four confirmed readers, the digest made and its mail queued."""
    settings = Settings(url=node.url, database=node.database, secret_key="",
                        data_dir=node.data_dir).ensure_secret_key()
    local = build_node(settings)
    now = datetime.now(UTC)
    try:
        with local.engine.begin() as conn:
            item, _ = store_submission(conn, check_submission(
                title="Port of Oakland shut down", body="Thousands marched.", links=[],
                source_url="", submitter_name="", contact_email=""), now=now)
            approve(local, conn, item, role="admin")
            for reader in READERS:
                token = subscribe(conn, reader, "en", now)
                assert token is not None
                confirm(conn, token, now)
        assert digest_now(local, local.clock()) is not None
    finally:
        local.engine.dispose()


def test_a_killed_worker_leaves_each_subscriber_one_digest(
        tmp_path: Path, smtp_url: str, mailbox: Mailbox) -> None:  # noqa: F811
    node = MailingNode(name="news", database=f"sqlite:///{tmp_path / 'ionode.db'}",
                       data_dir=tmp_path, smtp_url=smtp_url)
    node.cli("migrate")
    seed(node)
    mailbox.hold = ("RCPT", READERS[2])
    try:
        node.start_worker()
        wait_for(lambda: mailbox.held.is_set(), 30, "the worker never reached the third")
        assert node.worker is not None
        node.worker.send_signal(signal.SIGKILL)  # killed mid-send, no goodbye
        node.worker.wait()
        node.worker = None
        mailbox.hold = None
        mailbox.release.set()
        states = [r["state"] for r in node.query(
            "SELECT state FROM news_digest_mail ORDER BY id")]
        assert states == ["sent", "sent", "sending", "sending"]
        with node._engine.begin() as conn:  # type: ignore[union-attr]  (query opened it)
            conn.execute(update(_mail).where(_mail.c.state == "sending").values(
                claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
        assert "2 mails handled" in node.cli("news", "digest", "send")
    finally:
        node.stop()
    digests = [(to, m) for to, m in mailbox.messages if m["List-Unsubscribe"]]
    assert sorted(to for to, _ in digests) == sorted(READERS)  # each exactly once
