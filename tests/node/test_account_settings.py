"""/account: the organizer's hubs with what waits there, display name, timezone and
password."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.accounts.models import Account
from node.activitypub.models import LocalActor
from node.hubs.hub.members import set_member
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.settings import Settings
from tests.conftest import NOW
from tests.node.admin_support import add_follow, page_token, signed_in
from tests.node.hub_rows import add_item
from tests.node.web_support import PASSWORD, MovableClock, add_organizer, login, web_app

BASE = "https://philly.example"
NATE = f"{BASE}/users/nate"
NEW_PASSWORD = "an even longer passphrase"
_account = Account.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Starlette:
    add_organizer(engine, "nate")
    return web_app(settings, MovableClock(NOW))


@pytest.fixture
def nate(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield signed_in(c, "nate")


def make_hub(engine: Engine, name: str, role: str) -> None:
    with engine.begin() as conn:
        create_hub(conn, base_url=BASE, name=name, title=name.title(), now=NOW)
        set_member(conn, load_hub(conn, name), NATE, role, now=NOW)


def test_your_hubs_show_the_role_and_what_waits_for_stewards(
    nate: TestClient, engine: Engine
) -> None:
    make_hub(engine, "dockers", "moderator")
    make_hub(engine, "kitchen", "member")
    make_hub(engine, "elsewhere", "admin")
    with engine.begin() as conn:
        dockers = load_hub(conn, "dockers")
        kitchen = load_hub(conn, "kitchen")
        for n, hub in enumerate((dockers, dockers, kitchen)):
            add_item(conn, hub_id=hub.hub.id or 0, hub_uri=hub.actor.uri,
                     uri=f"{BASE}/objects/{n}", kind="update", document={"type": "Note"},
                     now=NOW)
        conn.execute(_item.update().values(state="held"))  # waiting for a moderator
    for who in ("alice", "bob"):
        add_follow(engine, f"{BASE}/hubs/dockers", f"https://m.example/users/{who}",
                   "pending", NOW)
    add_follow(engine, f"{BASE}/hubs/dockers", "https://m.example/users/eve", "accepted", NOW)
    page = nate.get("/account").text
    section = page[page.index('id="your-hubs"'):page.index('id="post-heading"')]
    assert '<a href="/hubs/dockers/manage">Dockers</a>' in section
    assert "2 posts held for moderation" in section
    assert '<a href="/hubs/dockers/requests">2 follow requests</a>' in section
    assert '<a href="/hubs/kitchen/manage">Kitchen</a>' in section
    kitchen_line = section[section.index("Kitchen"):]
    assert "held for moderation" not in kitchen_line  # a member sees no queue
    assert "nothing waiting" in section  # elsewhere: an admin with nothing to do
    assert section.index("Dockers") < section.index("Elsewhere") < section.index("Kitchen")


def test_no_hubs_yet(nate: TestClient) -> None:
    assert "You are not a member of any hub yet." in nate.get("/account").text


def test_display_name_and_timezone_are_saved(nate: TestClient, engine: Engine) -> None:
    token = page_token(nate, "/account")
    response = nate.post("/account/profile", data={
        "csrf_token": token, "display_name": "Nate  the Organizer", "timezone": "Europe/Madrid"})
    assert response.status_code == 303 and response.headers["location"] == "/account?saved=profile"
    page = nate.get("/account?saved=profile").text
    assert "Your settings are saved." in page and 'value="Europe/Madrid"' in page
    with engine.connect() as conn:
        assert conn.execute(select(_actor.c.display_name).where(
            _actor.c.username == "nate")).scalar_one() == "Nate the Organizer"
        assert conn.execute(select(_account.c.timezone)).scalar_one() == "Europe/Madrid"


def test_an_unknown_timezone_is_refused_and_the_typed_values_kept(nate: TestClient) -> None:
    response = nate.post("/account/profile", data={
        "csrf_token": page_token(nate, "/account"), "display_name": "Typed name",
        "timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Unknown timezone" in response.text
    assert 'value="Typed name"' in response.text and 'value="Mars/Olympus"' in response.text
    assert 'aria-describedby="timezone-hint profile-error"' in response.text


def test_the_personal_timezone_is_picked_from_the_iana_list(nate: TestClient,
                                                           engine: Engine) -> None:
    """The hub forms' picker, with a first choice for no zone of one's own."""
    page = nate.get("/account").text
    assert '<select id="timezone" name="timezone" aria-describedby="timezone-hint">' in page
    assert '<option value="" selected>None of my own</option>' in page
    assert '<optgroup label="Europe">' in page and 'name="timezone" value=' not in page
    nate.post("/account/profile", data={"csrf_token": page_token(nate, "/account"),
                                        "display_name": "Nate", "timezone": "Europe/Madrid"})
    chosen = nate.get("/account").text
    assert '<option value="Europe/Madrid" selected>Europe/Madrid</option>' in chosen
    assert '<option value="" selected>' not in chosen
    nate.post("/account/profile", data={"csrf_token": page_token(nate, "/account"),
                                        "display_name": "Nate", "timezone": ""})
    with engine.connect() as conn:
        assert conn.execute(select(_account.c.timezone)).scalar_one() in ("", None)
    assert '<option value="" selected>None of my own</option>' in nate.get("/account").text
    spanish = nate.get("/account", headers={"accept-language": "es"}).text
    assert '<option value="" selected>Ninguna propia</option>' in spanish


def test_the_settings_forms_need_the_csrf_token(nate: TestClient) -> None:
    assert nate.post("/account/profile", data={"display_name": "X"}).status_code == 403
    assert nate.post("/account/password", data={"csrf_token": "wrong"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(app: Starlette) -> None:
    client = TestClient(app, base_url=BASE, follow_redirects=False)
    assert client.get("/account").headers["location"] == "/login?next=/account"
    assert client.post("/account/profile", data={}).status_code == 303


def password_form(client: TestClient, current: str, new: str,
                  again: str | None = None) -> dict[str, str]:
    return {"csrf_token": page_token(client, "/account"), "current_password": current,
            "new_password": new, "new_password_again": new if again is None else again}


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    app: Starlette, nate: TestClient
) -> None:
    elsewhere = signed_in(TestClient(app, base_url=BASE, follow_redirects=False), "nate")
    wrong = nate.post("/account/password", data=password_form(nate, "not it", NEW_PASSWORD))
    assert wrong.status_code == 400 and "The current password is wrong" in wrong.text
    differ = nate.post("/account/password",
                       data=password_form(nate, PASSWORD, NEW_PASSWORD, "something else"))
    assert differ.status_code == 400 and "The two new passwords differ." in differ.text
    short = nate.post("/account/password", data=password_form(nate, PASSWORD, "short"))
    assert short.status_code == 400 and "at least 10 characters" in short.text
    done = nate.post("/account/password", data=password_form(nate, PASSWORD, NEW_PASSWORD))
    assert done.status_code == 303
    assert nate.get("/account").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/account").status_code == 303  # the other one is signed out
    assert login(elsewhere, "nate", PASSWORD).status_code == 400
    assert login(elsewhere, "nate", NEW_PASSWORD).status_code == 303


def test_wrong_current_passwords_are_rate_limited(nate: TestClient) -> None:
    for _ in range(5):
        nate.post("/account/password", data=password_form(nate, "guess", NEW_PASSWORD))
    limited = nate.post("/account/password", data=password_form(nate, PASSWORD, NEW_PASSWORD))
    assert limited.status_code == 400 and "Too many wrong passwords" in limited.text


def test_the_page_and_its_refusals_are_in_spanish_too(nate: TestClient) -> None:
    spanish = {"Accept-Language": "es"}
    assert "Tus hubs" in nate.get("/account", headers=spanish).text
    wrong = nate.post("/account/password", headers=spanish,
                      data=password_form(nate, "not it", NEW_PASSWORD))
    assert "La contraseña actual no es correcta" in wrong.text
