"""``ionode hub list``: the operator's overview of the node's hubs, in the shape of
``ionode user list`` (one tab-separated line each), and one clear line when there are
none."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, update

from node.activitypub.models import Follow, LocalActor
from tests.conftest import NOW
from tests.node.cli_support import PASSWORD, cli_flags, run_cli

_follow = Follow.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return cli_flags(database_url, tmp_path)


def follow(engine: Engine, follower: str, hub: str, state: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(_follow).values(
            follower=follower, following=f"https://philly.example/hubs/{hub}",
            activity_id=f"{follower}#follows/{hub}", state=state, created_at=NOW,
            updated_at=NOW))


def test_a_new_node_says_it_has_no_hubs(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["hub", "list"], flags, monkeypatch) == 0
    assert capsys.readouterr().out == (
        "ionode: this node has no hubs yet (ionode hub create NAME --title TITLE)\n")


def test_the_list_shows_policies_items_and_followers(
    flags: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    engine: Engine
) -> None:
    assert run_cli(["user", "create", "nate", "--password-stdin"], flags, monkeypatch,
                   PASSWORD) == 0
    for name, title in (("portshutdown", "Port Shutdown"), ("tenants", "Tenants Union"),
                        ("gone", "Gone")):
        assert run_cli(["hub", "create", name, "--title", title, "--admin", "nate"], flags,
                       monkeypatch) == 0
    assert run_cli(["hub", "set", "tenants", "--follow-policy", "approval",
                    "--posting-policy", "moderated"], flags, monkeypatch) == 0
    for text in ("General strike!", "Picket at 6"):
        assert run_cli(["post", "--as", "nate", "--hub", "portshutdown", text], flags,
                       monkeypatch) == 0
    follow(engine, "https://mastodon.example/users/ana", "portshutdown", "accepted")
    follow(engine, "https://oakland.example/actor", "portshutdown", "accepted")
    follow(engine, "https://mastodon.example/users/ana", "tenants", "accepted")
    follow(engine, "https://mastodon.example/users/bo", "tenants", "pending")  # not yet
    with engine.begin() as conn:
        conn.execute(update(_actor).where(_actor.c.username == "tenants")
                     .values(discoverable=False))
        conn.execute(update(_actor).where(_actor.c.username == "gone")
                     .values(deleted_at=NOW))
    capsys.readouterr()
    assert run_cli(["hub", "list"], flags, monkeypatch) == 0
    assert capsys.readouterr().out.splitlines() == [
        "portshutdown\tPort Shutdown\tfollow open, posting members, listed\t2 items"
        "\t2 followers",
        "tenants\tTenants Union\tfollow approval, posting moderated, unlisted\t0 items"
        "\t1 follower"]
