"""/admin: only node admins; the node's live settings, users, invites and disabling."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.activitypub.models import Delivery, OutboxActivity
from node.settings import Settings
from tests.conftest import NOW
from tests.node.admin_support import add_admin, add_follow, page_token, signed_in
from tests.node.web_support import MovableClock, add_organizer, login, web_app

BASE = "https://philly.example"
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_delivery = Delivery.__table__  # type: ignore[attr-defined]


@pytest.fixture
def movable() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def app(settings: Settings, movable: MovableClock, engine: Engine) -> Starlette:
    add_admin(engine, "ada")
    add_organizer(engine, "nate")
    return web_app(settings, movable)


@pytest.fixture
def anonymous(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield c


@pytest.fixture
def admin(anonymous: TestClient) -> TestClient:
    return signed_in(anonymous, "ada")


def post(client: TestClient, path: str, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": page_token(client, "/admin"), **data})


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: TestClient) -> None:
    response = anonymous.get("/admin")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin"
    assert anonymous.post("/admin/node", data={"name": "x"}).status_code == 303


def test_organizers_who_are_not_admins_get_403(anonymous: TestClient) -> None:
    nate = signed_in(anonymous, "nate")
    assert nate.get("/admin").status_code == 403
    token = page_token(nate, "/account")
    for path in ("/admin/node", "/admin/users", "/admin/invites",
                 "/admin/users/ada/disable"):
        assert nate.post(path, data={"csrf_token": token, "name": "Mine"}).status_code == 403
    assert 'href="/admin"' not in nate.get("/account").text


def test_the_admin_page_lists_users_and_what_needs_a_restart(admin: TestClient) -> None:
    page = admin.get("/admin")
    assert page.status_code == 200
    assert "@ada" in page.text and "@nate" in page.text
    assert "IONODE_DATABASE" in page.text and "IONODE_TIMEZONE" in page.text
    assert 'href="/admin"' in page.text  # the admin's header links here


def test_renaming_the_node_shows_everywhere_at_once(admin: TestClient, engine: Engine) -> None:
    response = post(admin, "/admin/node", name="Oakland GA",
                    description="The Oakland general assembly.\n\nMeets at 7.",
                    registrations="invite")
    assert response.status_code == 303
    assert "Oakland GA" in admin.get("/").text
    assert "The Oakland general assembly." in admin.get("/").text
    actor = admin.get("/actor", headers={"Accept": "application/activity+json"}).json()
    assert actor["type"] == "Application" and actor["name"] == "Oakland GA"
    assert actor["summary"] == "<p>The Oakland general assembly.</p><p>Meets at 7.</p>"
    info = admin.get("/nodeinfo/2.1").json()
    assert info["metadata"] == {"nodeName": "Oakland GA",
                                "nodeDescription": "The Oakland general assembly.\n\nMeets at 7."}
    with engine.connect() as conn:  # nobody follows the node actor: no Update
        assert conn.execute(select(func.count()).select_from(_outbox)).scalar_one() == 0


def test_a_followed_node_actor_sends_update_to_its_followers(
    admin: TestClient, engine: Engine
) -> None:
    add_follow(engine, f"{BASE}/actor", "https://mastodon.example/users/alice", "accepted",
               NOW)
    post(admin, "/admin/node", name="Oakland GA", description="", registrations="invite")
    with engine.connect() as conn:
        row = conn.execute(select(_outbox.c.type, _outbox.c.document)).one()
        inboxes = conn.execute(select(_delivery.c.inbox)).scalars().all()
    assert row.type == "Update" and row.document["object"]["name"] == "Oakland GA"
    assert inboxes == ["https://mastodon.example/users/alice/inbox"]


def test_a_refused_node_form_keeps_what_was_typed(admin: TestClient) -> None:
    response = post(admin, "/admin/node", name="  ", description="Typed words",
                    registrations="invite")
    assert response.status_code == 400
    text = response.text
    assert "The node needs a name" in text and "Typed words" in text
    assert 'aria-describedby="node-error"' in text
    bad = post(admin, "/admin/node", name="X", description="", registrations="open")
    assert bad.status_code == 400


def test_forms_without_the_csrf_token_are_refused(admin: TestClient) -> None:
    assert admin.post("/admin/node", data={"name": "Forged"}).status_code == 403
    assert admin.post("/admin/invites", data={}).status_code == 403
    assert admin.post("/admin/users/nate/disable", data={"csrf_token": "x"}).status_code == 403
    assert "Forged" not in admin.get("/").text


def test_the_admin_creates_an_account_and_errors_keep_the_typed_fields(
    admin: TestClient, anonymous: TestClient
) -> None:
    short = post(admin, "/admin/users", username="rosa", display_name="Rosa P",
                 password="short")
    assert short.status_code == 400
    assert 'value="rosa"' in short.text and 'value="Rosa P"' in short.text
    assert "at least 10 characters" in short.text
    # a password refusal is described by the password field, a name refusal by the name's
    assert 'aria-describedby="new-password-hint user-error"' in short.text
    assert 'aria-describedby="new-username-hint"' in short.text
    taken = post(admin, "/admin/users", username="nate", password="long enough password")
    assert taken.status_code == 400
    assert 'aria-describedby="new-username-hint user-error"' in taken.text
    assert 'aria-describedby="new-password-hint"' in taken.text
    made = post(admin, "/admin/users", username="rosa", display_name="Rosa P",
                password="long enough password")
    assert made.status_code == 303
    assert "@rosa" in admin.get("/admin").text


def test_disabling_ends_sessions_and_sign_in_and_enabling_restores_it(
    app: Starlette, admin: TestClient
) -> None:
    nate = signed_in(TestClient(app, base_url=BASE, follow_redirects=False), "nate")
    assert nate.get("/account").status_code == 200
    assert post(admin, "/admin/users/nate/disable").status_code == 303
    assert nate.get("/account").status_code == 303  # the session is gone
    assert login(nate, "nate").status_code == 400  # and sign-in refused
    assert "disabled" in admin.get("/admin").text
    assert post(admin, "/admin/users/nate/enable").status_code == 303
    assert login(nate, "nate").status_code == 303


def test_the_last_admin_cannot_be_disabled(admin: TestClient) -> None:
    refused = post(admin, "/admin/users/ada/disable")
    assert refused.status_code == 400
    assert "The last node admin cannot be disabled" in refused.text
    assert admin.get("/admin").status_code == 200  # still signed in, still admin
    assert post(admin, "/admin/users/ghost/disable").status_code == 400
