"""``ionode news digest ...`` and ``ionode news subscribers ...`` against a real SMTP
server on loopback: subscribe (the confirmation is mailed), schedule, run (the digest
is made and sent), status and list show the counts, remove unsubscribes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from node.clock import system_clock
from node.newswire.digest.subscribers import confirm
from tests.node.cli_support import PASSWORD, cli_flags, run_cli
from tests.node.digest_support import Mailbox, mailbox, smtp_url  # noqa: F401


@pytest.fixture
def flags(database_url: str, tmp_path: Path, smtp_url: str,  # noqa: F811
          monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("IONODE_SMTP_URL", smtp_url)
    return cli_flags(database_url, tmp_path)


def test_subscribe_schedule_run_status_list_and_remove(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    engine: Engine, mailbox: Mailbox  # noqa: F811
) -> None:
    def run(*args: str, stdin: str = "") -> str:
        assert run_cli(list(args), flags, monkeypatch, stdin) == 0
        return capsys.readouterr().out

    run("user", "create", "ada", "--password-stdin", stdin=PASSWORD)
    assert "is pending; a confirmation link was mailed" in run(
        "news", "subscribers", "add", "reader@example.org", "--lang", "es")
    [mail] = mailbox.to("reader@example.org")
    assert mail["Subject"].startswith("Confirma tu suscripción")
    token = re.search(r"/news/subscribe/confirm/(\S+)", mail.get_body(("plain",)).get_content())
    assert token
    assert "no digest made" in run("news", "digest", "run")  # nothing approved yet
    run("news", "submit", "--title", "Port shut down", "--body", "A **big** march")
    run("news", "approve", "1", "--as", "ada")
    assert "0 mails queued" in run("news", "digest", "run", "--queue-only")  # pending only
    with engine.begin() as conn:
        confirm(conn, token.group(1), system_clock())
    run("news", "submit", "--title", "Dockers strike", "--body", "Again")
    run("news", "approve", "2", "--as", "ada")
    out = run("news", "digest", "run")
    assert "1 news items; 1 mails queued" in out and "1 mails handled" in out
    [digest] = mailbox.to("reader@example.org")[1:]
    assert "Dockers strike" in digest.get_body(("plain",)).get_content()
    assert "Noticias de la semana" in digest["Subject"]  # the subscriber's language
    assert "a digest every friday at 17:00" in run("news", "digest", "schedule",
                                                   "--weekday", "friday", "--hour", "17")
    status = run("news", "digest", "status")
    assert "schedule: friday 17:00 UTC" in status
    assert "subscribers: 1 confirmed, 0 pending, 0 unsubscribed" in status
    assert "mail: 0 queued, 0 sending, 1 sent, 0 failed, 0 bounced" in status
    listing = run("news", "digest", "list").splitlines()
    assert len(listing) == 2 and listing[0].startswith("2\t") and "1 sent" in listing[0]
    assert "reader@example.org\tconfirmed\tes" in run("news", "subscribers", "list")
    run("news", "subscribers", "remove", "reader@example.org")
    assert "unsubscribed" in run("news", "subscribers", "list", "--state", "unsubscribed")
    assert "no automatic digest" in run("news", "digest", "schedule", "--off")
