"""Commands act on the node that runs (issue 7, 1.9 and 1.10).

``IONODE_PORT=8401 make run`` served on 8401 with actor ids on 8000, and a second
terminal's ``ionode user create`` minted actors under yet another URL. Now the URL of a
development node follows its port, ``serve``/``migrate`` record the settings in
``<data>/node.json`` for the next command, the database remembers its URL and refuses
another, and read-only commands create nothing.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from node.cli import main
from node.db import head_revision, make_engine
from node.settings import Settings
from tests.node.fresh_database import fresh_database  # noqa: F401  (fixture)

PASSWORD = "correct horse battery\n"


@pytest.fixture(autouse=True)
def no_node_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second terminal: none of the first one's ``IONODE_*`` settings."""
    for name in ("IONODE_URL", "IONODE_PORT", "IONODE_HOST", "IONODE_DATABASE",
                 "IONODE_DATA", "IONODE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


def before_node_setting() -> str:
    """The revision just before the one that records the URL (numbers move on merges)."""
    from alembic.script import ScriptDirectory

    from node.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    found = next(r for r in script.walk_revisions() if "node_setting" in (r.path or ""))
    assert isinstance(found.down_revision, str)
    return found.down_revision


def run(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(args))


def actor_uris(database: str) -> list[str]:
    engine = make_engine(database)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(text("SELECT uri FROM local_actor")).scalars())
    finally:
        engine.dispose()


def test_a_port_alone_moves_the_url_of_a_development_node(tmp_path: Path) -> None:
    settings = Settings.from_env({"IONODE_PORT": "8401", "IONODE_DATA": str(tmp_path)})
    assert (settings.url, settings.listen_port) == ("http://localhost:8401", 8401)
    # An explicit URL is never rewritten by the port (a production node behind a proxy).
    settings = Settings.from_env({"IONODE_PORT": "8401", "IONODE_URL": "https://philly.example",
                                  "IONODE_DATA": str(tmp_path)})
    assert (settings.url, settings.listen_port) == ("https://philly.example", 8401)


def test_second_terminal_commands_use_the_running_nodes_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_database: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given `IONODE_PORT=8401 make run` (which runs `ionode migrate` with that port)
    data = str(tmp_path / "data")
    monkeypatch.setenv("IONODE_PORT", "8401")
    assert run(monkeypatch, "migrate", "--data", data, "--database", fresh_database) == 0
    monkeypatch.delenv("IONODE_PORT")
    recorded = json.loads((tmp_path / "data" / "node.json").read_text())
    assert recorded["url"] == "http://localhost:8401"
    # When a second terminal creates an organizer with only the data directory
    assert run(monkeypatch, "user", "create", "nate", "--password-stdin", "--data", data,
               stdin=PASSWORD) == 0
    # Then the actor is made under the URL the node serves
    assert "created organizer http://localhost:8401/users/nate" in capsys.readouterr().out
    assert actor_uris(fresh_database) == ["http://localhost:8401/actor",  # made at migrate,
                                          "http://localhost:8401/news",  # with the newswire
                                          "http://localhost:8401/users/nate"]


def test_a_command_with_another_url_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_database: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = str(tmp_path / "data")
    assert run(monkeypatch, "migrate", "--url", "http://localhost:8401", "--data", data,
               "--database", fresh_database) == 0
    capsys.readouterr()
    for command in (["user", "create", "nate", "--password-stdin"], ["status"],
                    ["migrate"]):
        code = run(monkeypatch, *command, "--url", "http://localhost:8000", "--data", data,
                   "--database", fresh_database, stdin=PASSWORD)
        assert code == 1, command
        err = capsys.readouterr().err
        assert "belongs to the node at http://localhost:8401, not http://localhost:8000" in err
        assert "--url http://localhost:8401" in err and err.count("\n") == 1
    assert actor_uris(fresh_database) == ["http://localhost:8401/actor",
                                          "http://localhost:8401/news"]


def test_databases_made_before_the_url_was_recorded_get_it_from_the_node_actor(
    fresh_database: str,  # noqa: F811
) -> None:
    from datetime import UTC, datetime

    from alembic import command

    from node.activitypub.local_actors import ensure_node_actor
    from node.db import alembic_config, migrate
    from node.node_record import recorded_url

    engine = make_engine(fresh_database)
    try:
        command.upgrade(alembic_config(engine), before_node_setting())
        ensure_node_actor(engine, base_url="https://philly.example", name="Philly GA",
                          now=datetime(2026, 1, 1, tzinfo=UTC))
        migrate(engine)
        with engine.connect() as conn:
            assert recorded_url(conn) == "https://philly.example"
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [["status"], ["hub", "members", "portshutdown"],
                                     ["hub", "requests", "portshutdown"],
                                     ["hub", "queue", "portshutdown"],
                                     ["feed", "list", "portshutdown"],
                                     ["call", "list", "--hub", "portshutdown"],
                                     ["poll", "show", "https://philly.example/objects/1"]])
def test_a_read_command_creates_nothing(
    command: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "nowhere"
    assert run(monkeypatch, *command, "--data", str(data)) == 1
    err = capsys.readouterr().err
    assert f"no database at {data / 'ionode.db'}" in err and "ionode migrate" in err
    assert not data.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_read_command_refuses_an_unmigrated_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "empty.db").touch()
    assert run(monkeypatch, "status", "--data", str(tmp_path), "--database",
               f"sqlite:///{tmp_path / 'empty.db'}") == 1
    err = capsys.readouterr().err
    assert "has no ionode tables" in err and "run `ionode migrate` first" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]  # no secret key


def test_migrate_says_what_it_did(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_database: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    flags = ["--url", "https://philly.example", "--data", str(tmp_path), "--database",
             fresh_database]
    head = head_revision()
    assert run(monkeypatch, "migrate", *flags) == 0
    assert "created the database at " in capsys.readouterr().out
    assert run(monkeypatch, "migrate", *flags) == 0
    assert f"is already at revision {head}" in capsys.readouterr().out

    from alembic import command

    from node.db import alembic_config

    engine = make_engine(fresh_database)
    try:
        command.downgrade(alembic_config(engine), before_node_setting())
    finally:
        engine.dispose()
    assert run(monkeypatch, "migrate", *flags) == 0
    assert f"from revision {before_node_setting()} to {head}" in capsys.readouterr().out


def test_status_reads_the_node_a_serve_recorded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_database: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: None)
    data = str(tmp_path / "data")
    assert run(monkeypatch, "serve", "--port", "8402", "--data", data, "--database",
               fresh_database) == 0
    banner = capsys.readouterr().out
    assert "serving http://localhost:8402" in banner and "created the database" in banner
    assert "user create NAME" in banner
    assert run(monkeypatch, "status", "--data", data) == 0
    assert "node: http://localhost:8402" in capsys.readouterr().out
