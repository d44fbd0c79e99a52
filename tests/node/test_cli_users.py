"""``ionode user create|invite|list|disable|enable`` and ``ionode node show|set``: the
admin page's rules from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from node.accounts.models import Account, Invite, LoginSession
from node.accounts.sessions import create_session, token_hash
from tests.conftest import NOW
from tests.node.cli_support import PASSWORD, cli_flags, run_cli

_account = Account.__table__  # type: ignore[attr-defined]
_invite = Invite.__table__  # type: ignore[attr-defined]
_session = LoginSession.__table__  # type: ignore[attr-defined]


@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return cli_flags(database_url, tmp_path)


run = run_cli


def create(name: str, flags: list[str], monkeypatch: pytest.MonkeyPatch,
           *extra: str) -> int:
    return run(["user", "create", name, "--password-stdin", *extra], flags, monkeypatch,
               PASSWORD)


def test_the_first_user_is_admin_and_the_list_says_so(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert create("ada", flags, monkeypatch) == 0
    assert create("nate", flags, monkeypatch, "--display-name", "Nate P") == 0
    assert create("rosa", flags, monkeypatch, "--admin") == 0
    out = capsys.readouterr().out
    assert "created organizer https://philly.example/users/ada (node admin)" in out
    assert "users/nate\n" in out
    assert run(["user", "list"], flags, monkeypatch) == 0
    assert capsys.readouterr().out.splitlines() == [
        "ada\tada\tadmin", "nate\tNate P\t-", "rosa\trosa\tadmin"]


def test_invite_prints_a_link_whose_hash_is_stored(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    engine: Engine
) -> None:
    assert run(["user", "invite"], flags, monkeypatch) == 0
    link, note = capsys.readouterr().out.splitlines()
    assert link.startswith("https://philly.example/invite/") and "works once" in note
    with engine.connect() as conn:
        stored = conn.execute(select(_invite.c.token_hash)).scalar_one()
    assert stored == token_hash(link.rsplit("/", 1)[1])


def test_disable_ends_sessions_and_keeps_the_last_admin(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    engine: Engine
) -> None:
    create("ada", flags, monkeypatch)
    create("nate", flags, monkeypatch)
    with engine.begin() as conn:
        nate_id = conn.execute(select(_account.c.id).where(
            _account.c.is_admin.is_(False))).scalar_one()
        create_session(conn, nate_id, NOW)
    capsys.readouterr()
    assert run(["user", "disable", "nate"], flags, monkeypatch) == 0
    assert "nate is disabled; their sessions ended" in capsys.readouterr().out
    with engine.connect() as conn:
        assert conn.execute(select(_session.c.id)).first() is None
    assert run(["user", "list"], flags, monkeypatch) == 0
    assert "nate\tnate\tdisabled" in capsys.readouterr().out
    assert run(["user", "disable", "ada"], flags, monkeypatch) == 1
    assert "the last node admin cannot be disabled" in capsys.readouterr().err
    assert run(["user", "disable", "ghost"], flags, monkeypatch) == 1
    assert "there is no user 'ghost'" in capsys.readouterr().err
    assert run(["user", "enable", "nate"], flags, monkeypatch) == 0
    assert "nate is enabled" in capsys.readouterr().out


def test_node_set_and_show(flags: list[str], monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["node", "set", "--name", "Oakland GA", "--description", "We meet at 7.",
                "--registrations", "closed"], flags, monkeypatch) == 0
    assert "node settings saved" in capsys.readouterr().out
    assert run(["node", "show"], flags, monkeypatch) == 0
    assert capsys.readouterr().out.splitlines() == [
        "name: Oakland GA", "registrations: closed", "description: We meet at 7."]
    assert run(["user", "invite"], flags, monkeypatch) == 1
    assert "registrations on this node are closed" in capsys.readouterr().err
    assert run(["node", "set", "--name", " "], flags, monkeypatch) == 1
    assert "ionode: error: the node needs a name" in capsys.readouterr().err
    assert run(["node", "set", "--name", "x" * 101], flags, monkeypatch) == 1
    assert run(["node", "show"], flags, monkeypatch) == 0
    assert "name: Oakland GA" in capsys.readouterr().out  # nothing stored on refusal


def test_end_of_input_at_the_password_prompt_is_an_error_not_a_traceback(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def ctrl_d(prompt: str = "") -> str:  # what getpass raises on Ctrl-D or no terminal
        raise EOFError

    monkeypatch.setattr("getpass.getpass", ctrl_d)
    assert run(["user", "create", "ada"], flags, monkeypatch) == 1
    err = capsys.readouterr().err
    assert err.startswith("ionode: error: no password was typed") and "--password-stdin" in err
    assert run(["user", "list"], flags, monkeypatch) == 0
    assert capsys.readouterr().out == ""


def test_the_start_banner_names_the_first_organizer_command_only_on_a_new_node(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from node.cli import start_hints
    from node.local_node import open_for_change
    from node.settings import Settings

    settings = Settings(url="https://philly.example", database=database_url,
                        secret_key="test-secret-key-not-for-production", data_dir=tmp_path)
    node, _ = open_for_change(settings)
    try:
        hints = start_hints(node)
        assert len(hints) == 1 and "create the first organizer with" in hints[0]
        assert hints[0].endswith("user create NAME")
        assert create("ada", cli_flags(database_url, tmp_path), monkeypatch) == 0
        assert start_hints(node) == []
    finally:
        node.engine.dispose()
