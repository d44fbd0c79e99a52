"""``ionode news ...``: the same rules and refusals as the pages, one line per error,
nothing stored on bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from node.activitypub.models import OutboxActivity
from node.newswire.models import NewsItem, NewsLogEntry
from tests.node.cli_support import PASSWORD, cli_flags, run_cli
from tests.node.newswire_support import CONDUCT

_item = NewsItem.__table__  # type: ignore[attr-defined]
_log = NewsLogEntry.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]



@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return cli_flags(database_url, tmp_path)


run = run_cli


def items(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(_item)).scalar_one())


def test_submit_queue_approve_reject_and_log(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    engine: Engine, tmp_path: Path
) -> None:
    assert run(["user", "create", "ada", "--password-stdin"], flags, monkeypatch,
               PASSWORD) == 0  # the first user: a node admin
    assert run(["user", "create", "mo", "--password-stdin"], flags, monkeypatch,
               PASSWORD) == 0
    assert run(["news", "moderator", "add", "mo"], flags, monkeypatch) == 0
    conduct = tmp_path / "conduct.md"
    conduct.write_text(CONDUCT)
    assert run(["news", "conduct", "edit", "--file", str(conduct)], flags, monkeypatch) == 0
    capsys.readouterr()
    assert run(["news", "submit", "--title", "Port shut down", "--body", "**Big** march",
                "--source", "https://example.org/r", "--email", "rosa@example.net"],
               flags, monkeypatch) == 0
    out = capsys.readouterr().out
    assert re.search(r"https://philly\.example/news/track/[A-Za-z0-9_-]{20,}", out)
    assert run(["news", "submit", "--title", "Buy now", "--body", "ads"], flags,
               monkeypatch) == 0
    capsys.readouterr()
    assert run(["news", "queue"], flags, monkeypatch) == 0
    queue = capsys.readouterr().out
    assert "Port shut down" in queue and "Buy now" in queue
    assert run(["news", "approve", "1", "--as", "mo"], flags, monkeypatch) == 0
    assert "approved: https://philly.example/objects/" in capsys.readouterr().out
    assert run(["news", "reject", "2", "--as", "ada", "--clause", "3"], flags,
               monkeypatch) == 0
    assert "Code of Conduct v1, 3. No advertising." in capsys.readouterr().out
    assert run(["news", "log"], flags, monkeypatch) == 0
    log = capsys.readouterr().out
    assert "approved\tPort shut down\t-\tmoderator" in log
    assert "rejected\tBuy now\tCode of Conduct v1, 3. No advertising.\tadmin" in log
    assert "rosa@example.net" not in log
    with engine.connect() as conn:
        create = conn.execute(select(_outbox.c.document).where(_outbox.c.type == "Create")
                              ).scalar_one()
    assert create["actor"] == "https://philly.example/news"
    assert run(["news", "conduct", "show"], flags, monkeypatch) == 0
    assert "clause 3: No advertising." in capsys.readouterr().out
    assert run(["news", "moderator", "list"], flags, monkeypatch) == 0
    assert capsys.readouterr().out == "mo\n"
    assert run(["news", "moderator", "remove", "mo"], flags, monkeypatch) == 0
    capsys.readouterr()
    assert run(["news", "submit", "--title", "Later", "--body", "b"], flags, monkeypatch) == 0
    assert run(["news", "approve", "3", "--as", "mo"], flags, monkeypatch) == 1
    assert "only the node's admins and news moderators" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["news", "submit", "--title", "T", "--body", "<script>x</script>"], "script tags"),
    (["news", "submit", "--title", " ", "--body", "b"], "news needs a title"),
    (["news", "submit", "--title", "T", "--body", "b", "--link", "ftp://x"], "each link"),
    (["news", "approve", "1", "--as", "nate"], "only the node's admins and news moderators"),
    (["news", "reject", "1", "--as", "ada", "--clause", "99"], "has no such clause"),
    (["news", "approve", "9", "--as", "ada"], "not waiting in the queue"),
    (["news", "moderator", "add", "nobody"], "no organizer of that name"),
])
def test_bad_input_is_refused_with_one_line(
    args: list[str], message: str, flags: list[str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    run(["user", "create", "ada", "--password-stdin"], flags, monkeypatch, PASSWORD)
    run(["user", "create", "nate", "--password-stdin"], flags, monkeypatch, PASSWORD)
    run(["news", "submit", "--title", "Waiting", "--body", "b"], flags, monkeypatch)
    capsys.readouterr()
    assert run(args, flags, monkeypatch) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("ionode: error:") and message in err and "\n" not in err
    assert items(engine) == 1
    with engine.connect() as conn:
        assert conn.execute(select(_item.c.state)).scalar_one() == "waiting"
        assert conn.execute(select(func.count()).select_from(_log)).scalar_one() == 0
