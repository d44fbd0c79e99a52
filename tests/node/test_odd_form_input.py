"""Odd input the new account, admin and hub pages meet: a NUL character in a form field
or a path is refused with a 400 on both backends (PostgreSQL cannot store NUL in text,
so it used to surface as a 500 there), and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.activitypub.models import LocalActor
from node.settings import Settings
from tests.conftest import NOW
from tests.node.admin_support import add_admin, page_token, signed_in
from tests.node.web_support import MovableClock, add_organizer, web_app

BASE = "https://philly.example"
_actor = LocalActor.__table__  # type: ignore[attr-defined]


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Starlette:
    add_admin(engine, "ada")
    add_organizer(engine, "nate")
    return web_app(settings, MovableClock(NOW))


@pytest.fixture
def ada(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False,
                    raise_server_exceptions=False) as client:
        yield signed_in(client, "ada")


@pytest.mark.parametrize(("path", "fields"), [
    ("/account/profile", {"display_name": "Ada\x00", "timezone": "UTC"}),
    ("/hubs/new", {"name": "nulhub", "title": "Nul\x00", "summary": ""}),
    ("/admin/node", {"name": "Philly\x00", "description": "", "registrations": "invite"}),
])
def test_a_nul_character_in_a_form_is_refused_not_a_500(
        ada: TestClient, engine: Engine, path: str, fields: dict[str, str]) -> None:
    response = ada.post(path, data={"csrf_token": page_token(ada, "/account"), **fields})
    assert response.status_code == 400
    assert "The form could not be read." in response.text
    with engine.connect() as conn:
        names = conn.execute(select(_actor.c.display_name)).scalars().all()
    assert not any("\x00" in (name or "") for name in names)


def test_a_nul_character_in_a_username_path_is_no_such_user(ada: TestClient) -> None:
    token = page_token(ada, "/admin")
    response = ada.post("/admin/users/na%00te/disable", data={"csrf_token": token})
    assert response.status_code == 400
    assert "There is no user" in response.text


@pytest.mark.parametrize("path", [
    "/hubs/a%00/settings", "/hubs/a%00/members", "/hubs/a%00/requests", "/hubs/a%00/feeds",
    "/hubs/a%00/manage", "/hubs/a%00/follow", "/users/a%00/follow", "/objects/a%00/interact",
])
def test_a_nul_character_in_a_page_s_path_is_a_404(ada: TestClient, path: str) -> None:
    assert ada.get(path).status_code == 404


@pytest.mark.parametrize("path", [
    "/hubs/a%00/settings", "/hubs/a%00/members/add", "/hubs/a%00/requests/approve",
    "/hubs/a%00/feeds/add", "/hubs/a%00/follow", "/users/a%00/follow",
    "/objects/a%00/interact", "/objects/a%00/rsvp", "/objects/a%00/vote",
])
def test_a_nul_character_in_a_form_s_path_is_a_404(ada: TestClient, path: str) -> None:
    token = page_token(ada, "/account")
    response = ada.post(path, data={"csrf_token": token, "going": "yes", "who": "nate",
                                    "handle": "@ana@mastodon.example", "choice": "0"})
    assert response.status_code == 404
