"""Following a source from /admin/network and with ``ionode network source``: the same
lookups and refusals; a person's account is a source, though not a node."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, insert, select
from starlette.testclient import TestClient

from node.activitypub.models import Follow
from node.cli import main
from node.network.models import NetworkPeer
from node.settings import Settings
from tests.conftest import NOW
from tests.node.admin_network_support import PEER, FakeNode
from tests.node.admin_support import add_admin, page_token, signed_in
from tests.node.web_support import MovableClock

BASE = "https://philly.example"
PAGE = "/admin/network"
ANA = f"https://{PEER}/users/ana"
_follow = Follow.__table__  # type: ignore[attr-defined]
_peer = NetworkPeer.__table__  # type: ignore[attr-defined]


@pytest.fixture
def admin(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    add_admin(engine, "ada")
    app = FakeNode().app(settings, MovableClock(NOW))
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield signed_in(c, "ada")


def post(client: TestClient, **data: str) -> httpx.Response:
    return client.post(f"{PAGE}/source", data={"csrf_token": page_token(client, PAGE), **data})


def test_following_a_person_as_a_source(admin: TestClient, engine: Engine) -> None:
    assert "Follow a source of events and news" in admin.get(PAGE).text
    response = post(admin, source=ANA)
    assert response.status_code == 303 and response.headers["location"] == f"{PAGE}?saved=source"
    with engine.connect() as conn:
        assert conn.execute(select(_follow.c.following, _follow.c.state).where(
            _follow.c.follower == f"{BASE}/actor")).all() == [(ANA, "pending")]
        assert conn.execute(select(_peer.c.kind).where(_peer.c.actor_uri == ANA)
                            ).scalar() == "source"
    page = admin.get(PAGE).text
    assert ANA in page and "source" in page


def test_refusals_come_back_with_what_was_typed(admin: TestClient) -> None:
    response = post(admin, source="https://nowhere.example/users/x")
    assert response.status_code == 400
    assert "Cannot find https://nowhere.example/users/x" in response.text
    assert 'value="https://nowhere.example/users/x"' in response.text
    assert post(admin, source=" ").status_code == 400


def test_the_cli_lists_sources_and_refuses_an_empty_name(
        database_url: str, tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--url", BASE, "--database", database_url, "--data", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["network", "source", "add", " ", *flags]) == 1
    assert "name the source to follow" in capsys.readouterr().err
    when = datetime(2026, 12, 4, 17, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(_follow).values(
            follower=f"{BASE}/actor", following=ANA, activity_id=f"{BASE}/activities/1",
            state="accepted", created_at=when, updated_at=when))
        conn.execute(insert(_peer).values(actor_uri=ANA, kind="source", created_at=when,
                                          received=3))
    assert main(["network", "source", "list", *flags]) == 0
    assert capsys.readouterr().out == f"{ANA}\taccepted\t3 received\n"

