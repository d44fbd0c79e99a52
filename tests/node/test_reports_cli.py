"""``ionode report ...``: filing, listing, showing, resolving and dismissing, with the
same rules and refusals as the pages; every decision in the public log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from node.activitypub.models import StoredObject
from node.newswire.models import NewsLogEntry
from tests.node.cli_support import PASSWORD, cli_flags, run_cli

_log = NewsLogEntry.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
NATE = "https://philly.example/users/nate"


@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return cli_flags(database_url, tmp_path)


def test_create_list_show_resolve_and_dismiss(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    engine: Engine,
) -> None:
    for name in ("ada", "nate"):  # ada, the first user, is a node admin
        assert run_cli(["user", "create", name, "--password-stdin"], flags, monkeypatch,
                       PASSWORD) == 0
    assert run_cli(["post", "--as", "nate", "Buy cheap watches"], flags, monkeypatch) == 0
    uri = re.search(r"published (\S+)", capsys.readouterr().out).group(1)  # type: ignore[union-attr]
    assert run_cli(["report", "create", "--object", uri, "--reason", "spam",
                    "--comment", "An advert"], flags, monkeypatch) == 0
    assert re.search(r"report 1 is in the reports queue; follow it at\n"
                     r"https://philly\.example/report/track/[\w-]{20,}", capsys.readouterr().out)
    assert run_cli(["report", "create", "--account", NATE, "--reason", "conduct:99"], flags,
                   monkeypatch) == 1  # the default Code of Conduct has no clause 99
    assert "has no such clause" in capsys.readouterr().err
    assert run_cli(["report", "create", "--account", NATE, "--reason", "other",
                    "--as", "ada"], flags, monkeypatch) == 0
    capsys.readouterr()
    assert run_cli(["report", "list"], flags, monkeypatch) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[4] for line in listed] == ["item", "account"]
    assert run_cli(["report", "show", "2"], flags, monkeypatch) == 0
    shown = capsys.readouterr().out
    assert "reporter: @ada" in shown and "identity shared: no" in shown
    assert run_cli(["report", "resolve", "2", "--as", "ada", "--action", "removed"], flags,
                   monkeypatch) == 1  # an account report names no item to remove
    assert run_cli(["report", "resolve", "1", "--as", "nate", "--action", "removed"], flags,
                   monkeypatch) == 1  # not a moderator
    assert run_cli(["report", "resolve", "1", "--as", "ada", "--action", "removed",
                    "--note", "advertising"], flags, monkeypatch) == 0
    assert run_cli(["report", "dismiss", "2", "--as", "ada"], flags, monkeypatch) == 0
    capsys.readouterr()
    with engine.connect() as conn:
        assert conn.execute(select(_objects.c.deleted_at).where(_objects.c.uri == uri)
                            ).scalar() is not None
        actions = conn.execute(select(_log.c.action, _log.c.note).order_by(_log.c.id)).all()
    assert [tuple(a) for a in actions] == [("removed", "advertising"), ("dismissed", "")]
    assert run_cli(["report", "list"], flags, monkeypatch) == 0
    assert capsys.readouterr().out == "ionode: no open reports\n"
    assert run_cli(["news", "log"], flags, monkeypatch) == 0
    log = capsys.readouterr().out
    assert "removed" in log and "dismissed" in log and "An advert" not in log
