"""``ionode network``: the operator's commands answer in one line, refuse clearly, and
the approval policy they set is what the node actor advertises."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from node.activitypub.models import Follow, LocalActor
from node.cli import main
from node.hubs.hub.models import HubItem
from tests.node.cli_support import PASSWORD, run_cli

NODE = "https://philly.example"
PEER = "https://oakland.example/actor"
WHEN = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)


@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return ["--url", NODE, "--database", database_url, "--data", str(tmp_path)]


def run(args: list[str], flags: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return main([*args, *flags])


def test_policy_requests_and_refusals(flags: list[str], monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str],
                                      engine: Engine) -> None:
    assert run(["network", "policy", "approval"], flags, monkeypatch) == 0
    assert "follow policy is now approval" in capsys.readouterr().out
    actors = LocalActor.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        assert conn.execute(select(actors.c.manually_approves_followers)
                            .where(actors.c.kind == "node")).scalar_one()
        conn.execute(insert(Follow.__table__).values(  # type: ignore[attr-defined]
            follower=PEER, following=f"{NODE}/actor", activity_id=f"{PEER}/follows/1",
            state="pending", inbox=f"{PEER}/inbox", shared_inbox="https://oakland.example/inbox",
            created_at=WHEN, updated_at=WHEN))
    assert run(["network", "requests"], flags, monkeypatch) == 0
    assert capsys.readouterr().out == f"{PEER}\n"
    assert run(["network", "status"], flags, monkeypatch) == 0
    status = capsys.readouterr().out
    assert "follow policy: approval" in status and f"  node {PEER} pending" in status
    assert run(["network", "reject", "https://nowhere.example/actor"], flags, monkeypatch) == 1
    assert "no pending follow request from https://nowhere.example/actor" in \
        capsys.readouterr().err
    assert run(["network", "approve", PEER], flags, monkeypatch) == 0
    assert f"accepted {PEER}" in capsys.readouterr().out
    assert run(["network", "followers"], flags, monkeypatch) == 0
    assert capsys.readouterr().out == f"{PEER}\tnode\taccepted\n"


def test_following_oneself_or_nothing_is_refused(flags: list[str],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["network", "unfollow", "not-a-node"], flags, monkeypatch) == 1
    assert "ionode: error: cannot find not-a-node" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(["network", "policy", "closed"], flags, monkeypatch)


def test_backfill_again_queues_a_known_actor_and_status_shows_its_progress(
        flags: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    from node.network.models import NetworkBackfill

    assert run(["network", "policy", "open"], flags, monkeypatch) == 0  # migrates
    capsys.readouterr()
    table = NetworkBackfill.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(insert(table).values(
            actor_uri=PEER, follower=f"{NODE}/actor", state="done", phase="finished",
            due_at=WHEN, pages=3, stored=6, duplicates=0, refused=1, elapsed=1.0,
            last_error="invalid proof", outcome="read the whole outbox", created_at=WHEN,
            updated_at=WHEN))
    assert run(["network", "status"], flags, monkeypatch) == 0
    assert (f"backfill {PEER}: done (finished), 3 pages, 6 stored, 0 duplicates, 1 refused"
            "; read the whole outbox; last error: invalid proof") in capsys.readouterr().out
    assert run(["network", "backfill", "--queue", PEER], flags, monkeypatch) == 0
    assert f"backfill {PEER}: queued (start), 0 pages, 0 stored" in capsys.readouterr().out
    with engine.connect() as conn:
        assert conn.execute(select(table.c.state)).scalar_one() == "queued"


def test_directory_lists_searches_and_filters(flags: list[str], monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str],
                                              engine: Engine) -> None:
    from node.network.directory import learn_group

    assert run(["network", "policy", "open"], flags, monkeypatch) == 0  # migrates
    capsys.readouterr()
    with engine.begin() as conn:
        for host, name, tags, region in (("oakland.example", "tenants", ["housing"], "CA"),
                                         ("berlin.example", "klima", ["climate"], "Berlin")):
            uri = f"https://{host}/hubs/{name}"
            learn_group(conn, {"id": uri, "type": "Group", "preferredUsername": name,
                               "name": name.title(), "summary": f"<p>{name} mission</p>",
                               "location": {"type": "Place", "name": region},
                               "tag": [{"type": "Hashtag", "name": f"#{t}"} for t in tags]},
                        WHEN, followers=3)
    assert run(["network", "directory"], flags, monkeypatch) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in out] == ["@klima@berlin.example",
                                                     "@tenants@oakland.example"]
    assert run(["network", "directory", "--tag", "housing"], flags, monkeypatch) == 0
    assert capsys.readouterr().out == ("@tenants@oakland.example\tTenants\tCA\t#housing\t"
                                       "3 followers\thttps://oakland.example/hubs/tenants\n")
    assert run(["network", "directory", "--search", "KLIMA MISSION"], flags, monkeypatch) == 0
    assert capsys.readouterr().out.startswith("@klima@berlin.example\t")
    assert run(["network", "directory", "--region", "berlin", "--node", "oakland.example"],
               flags, monkeypatch) == 0
    assert capsys.readouterr().out == ""


def test_the_directory_handle_is_what_to_takes(flags: list[str],
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str],
                                               engine: Engine) -> None:
    assert run_cli(["user", "create", "nate", "--password-stdin"], flags, monkeypatch,
                   PASSWORD) == 0
    for name in ("portshutdown", "dockers"):
        assert run(["hub", "create", name, "--title", name.title(), "--admin", "nate"],
                   flags, monkeypatch) == 0
    capsys.readouterr()
    assert run(["network", "directory", "--search", "dockers"], flags, monkeypatch) == 0
    handle = capsys.readouterr().out.split("\t")[0]
    assert handle == "@dockers@philly.example"
    assert run(["post", "--as", "nate", "--hub", "portshutdown", "--to", handle, "Both"],
               flags, monkeypatch) == 0
    items = HubItem.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        posted_in = conn.execute(select(items.c.hub_id)).scalars().all()
    assert len(posted_in) == len(set(posted_in)) == 2  # one item, in both hubs
