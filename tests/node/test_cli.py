"""The operator's CLI: clear one-line errors, non-zero exits, nothing stored on bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from node.activitypub.models import LocalActor, OutboxActivity
from node.hubs.hub.models import HubMember
from tests.node.cli_support import PASSWORD, cli_flags, run_cli


@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return cli_flags(database_url, tmp_path)


run = run_cli


def count(engine: Engine, table: object, *where: object) -> int:
    query = select(func.count()).select_from(table)  # type: ignore[arg-type]
    for condition in where:
        query = query.where(condition)  # type: ignore[arg-type]
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def people_and_hubs(engine: Engine) -> int:
    table = LocalActor.__table__  # type: ignore[attr-defined]
    return count(engine, table, table.c.kind.notin_(("node", "newswire")))


def test_user_hub_post_and_status(flags: list[str], monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    assert run(["user", "create", "nate", "--password-stdin"], flags, monkeypatch,
               PASSWORD) == 0
    assert run(["hub", "create", "portshutdown", "--title", "Port Shutdown", "--admin", "nate"],
               flags, monkeypatch) == 0
    assert run(["post", "--as", "nate", "--hub", "portshutdown", "General strike!"], flags,
               monkeypatch) == 0
    out = capsys.readouterr().out
    assert "created organizer https://philly.example/users/nate" in out
    assert "created hub https://philly.example/hubs/portshutdown" in out
    assert "published https://philly.example/objects/" in out
    # The Create, and the hub's Announce in both forms (object, and Create for FEP-1b12)
    assert count(engine, OutboxActivity.__table__) == 3  # type: ignore[attr-defined]
    assert run(["status"], flags, monkeypatch) == 0
    status = capsys.readouterr().out
    assert "actors.person: 1" in status and "actors.group: 1" in status
    assert "objects.local: 1" in status


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["user", "create", "Bad Name", "--password-stdin"], PASSWORD, "must be 1-30 characters"),
    (["user", "create", "admin", "--password-stdin"], PASSWORD, "is reserved"),
    (["user", "create", "nate", "--password-stdin"], "short\n", "at least"),
    (["hub", "create", "x", "--title", "   "], "", "needs a title"),
    (["post", "--as", "nobody", "hello"], "", "no organizer named 'nobody'"),
    (["post", "--as", "nate", "--hub", "missing", "hello"], "", "no hub named 'missing'"),
    (["post", "--as", "nate", "   "], "", "a post needs some text"),
])
def test_bad_input_is_refused_with_one_line(
    args: list[str], stdin: str, message: str, flags: list[str],
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], engine: Engine,
) -> None:
    if args[0] == "post":
        assert run(["user", "create", "nate", "--password-stdin"], flags, monkeypatch,
                   PASSWORD) == 0
    before = people_and_hubs(engine)
    assert run(args, flags, monkeypatch, stdin) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("ionode: error:") and message in err and "\n" not in err
    assert people_and_hubs(engine) == before
    assert count(engine, OutboxActivity.__table__) == 0  # type: ignore[attr-defined]


def test_duplicate_name_across_kinds_is_refused(flags: list[str],
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    # One username namespace: a hub cannot take an organizer's name.
    assert run(["user", "create", "nate", "--password-stdin"], flags, monkeypatch,
               PASSWORD) == 0
    assert run(["hub", "create", "nate", "--title", "Nate's hub"], flags, monkeypatch) == 1
    assert "already taken" in capsys.readouterr().err


def test_plain_http_public_url_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["status"], ["--url", "http://philly.example", "--data", str(tmp_path)],
               monkeypatch)
    assert code == 1
    assert "plain http on a public host" in capsys.readouterr().err


def test_missing_required_flag_is_a_usage_error(monkeypatch: pytest.MonkeyPatch,
                                                flags: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(["hub", "create", "x"], flags, monkeypatch)
    assert exit_info.value.code == 2


def test_follow_of_an_unresolvable_target_fails_cleanly(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["user", "create", "nate", "--password-stdin"], flags, monkeypatch,
               PASSWORD) == 0
    assert run(["follow", "--as", "nate", "not a handle"], flags, monkeypatch) == 1
    assert "cannot find" in capsys.readouterr().err


def test_unknown_database_backend_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code = run(["migrate"], ["--database", "mysql://root@localhost/x", "--data",
                             str(tmp_path)], monkeypatch)
    assert code == 1
    assert "unsupported database URL" in capsys.readouterr().err


def test_delete_refuses_someone_elses_post(flags: list[str], monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("nate", "joan"):
        assert run(["user", "create", name, "--password-stdin"], flags, monkeypatch,
                   PASSWORD) == 0
    assert run(["post", "--as", "nate", "mine"], flags, monkeypatch) == 0
    out = capsys.readouterr().out
    url = out.split("published ")[1].split(" ")[0]
    assert url.startswith("https://philly.example/objects/"), out
    assert run(["delete", "--as", "joan", url], flags, monkeypatch) == 1
    assert "joan is not the author" in capsys.readouterr().err
    assert run(["delete", "--as", "nate", url], flags, monkeypatch) == 0
    assert run(["delete", "--as", "nate", url], flags, monkeypatch) == 1
    assert "no post" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "expected"), [(None, False), ("true", True), ("off", False)])
def test_serve_access_log_is_off_unless_asked(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, value: str | None, expected: bool
) -> None:
    import uvicorn

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    if value is None:
        monkeypatch.delenv("IONODE_ACCESS_LOG", raising=False)
    else:
        monkeypatch.setenv("IONODE_ACCESS_LOG", value)
    assert run(["serve"], flags, monkeypatch) == 0
    assert seen["access_log"] is expected and seen["proxy_headers"] is True


def test_the_last_admin_of_a_hub_is_neither_removed_nor_demoted(
        flags: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # Given a hub whose only admin is nate, when the operator removes or demotes nate,
    # then both are refused with one line saying what to do, and nate stays admin;
    # once ana is admin too, nate may step down.
    for name in ("nate", "ana"):
        assert run(["user", "create", name, "--password-stdin"], flags, monkeypatch,
                   PASSWORD) == 0
    assert run(["hub", "create", "portshutdown", "--title", "Port", "--admin", "nate"],
               flags, monkeypatch) == 0
    capsys.readouterr()
    for args in (["hub", "member", "remove", "portshutdown", "nate"],
                 ["hub", "member", "add", "portshutdown", "nate", "--role", "moderator"]):
        assert run(args, flags, monkeypatch) == 1
        err = capsys.readouterr().err.strip()
        assert err == ("ionode: error: https://philly.example/users/nate is the last admin of "
                       "portshutdown, who could then not be managed: first make another "
                       "member admin (ionode hub member add portshutdown WHO --role admin)")
    assert run(["hub", "members", "portshutdown"], flags, monkeypatch) == 0
    assert capsys.readouterr().out.strip() == "admin\thttps://philly.example/users/nate"
    assert run(["hub", "member", "add", "portshutdown", "ana", "--role", "admin"], flags,
               monkeypatch) == 0
    assert run(["hub", "member", "add", "portshutdown", "nate", "--role", "member"], flags,
               monkeypatch) == 0
    assert run(["hub", "member", "remove", "portshutdown", "ana"], flags, monkeypatch) == 1
    assert "ana is the last admin" in capsys.readouterr().err


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: Path) -> None:
    # `ionode status | head -1`: head exits, the next write meets a closed pipe.
    import subprocess
    import sys

    base = [sys.executable, "-m", "node"]
    data = ["--url", "http://localhost:8000", "--data", str(tmp_path),
            "--database", f"sqlite:///{tmp_path / 'ionode.db'}"]
    subprocess.run([*base, "migrate", *data], check=True, capture_output=True)
    status = subprocess.Popen([*base, "status", *data], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert status.stdout is not None and status.stderr is not None
    status.stdout.close()
    errors = status.stderr.read().decode()
    assert status.wait() == 1
    assert "Traceback" not in errors and "BrokenPipe" not in errors


def test_a_deleted_account_is_not_made_admin_of_a_new_hub(
        flags: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    # `ionode hub create --admin` looked the admin up without the deleted check every
    # other command makes: a deleted account became admin of the new hub.
    assert run(["user", "create", "nate", "--password-stdin"], flags, monkeypatch,
               PASSWORD) == 0
    actors = LocalActor.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(update(actors).where(actors.c.username == "nate")
                     .values(deleted_at=datetime(2026, 11, 21, tzinfo=UTC)))
    capsys.readouterr()
    assert run(["hub", "create", "portshutdown", "--title", "Port", "--admin", "nate"],
               flags, monkeypatch) == 1
    assert capsys.readouterr().err.strip() == (
        "ionode: error: no organizer named 'nate' on this node")
    assert count(engine, HubMember.__table__) == 0  # type: ignore[attr-defined]
