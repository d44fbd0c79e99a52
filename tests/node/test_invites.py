"""One-time invite links: hashed, expiring, single use even when two sign-ups race,
and the /invite/{token} sign-up page that creates the account and signs it in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.accounts.invites import InviteError, create_invite, redeem_invite
from node.accounts.models import Account, Invite
from node.accounts.node_settings import NodeSettingsError, check_registrations
from node.accounts.sessions import token_hash
from node.node_record import write_setting
from node.settings import Settings
from node.web.i18n import LANG_COOKIE
from tests.conftest import CHEAP_PASSWORDS, NOW
from tests.node.admin_support import add_admin, invite_token, page_token, signed_in
from tests.node.web_support import MovableClock, form_token, login, web_app

BASE = "https://philly.example"
PASSWORD = "a long new password"
_invite = Invite.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]


def test_only_the_hash_of_a_link_is_stored(engine: Engine) -> None:
    with engine.begin() as conn:
        token, expires = create_invite(conn, now=NOW)
    assert expires == NOW + timedelta(days=7)
    with engine.connect() as conn:
        stored = conn.execute(select(_invite.c.token_hash)).scalar_one()
    assert stored == token_hash(token) and token not in stored


def test_two_sign_ups_racing_with_one_link_make_one_account(engine: Engine) -> None:
    with engine.begin() as conn:
        token, _ = create_invite(conn, now=NOW)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign_up(name: str) -> None:
        barrier.wait()
        try:
            with engine.begin() as conn:
                redeem_invite(conn, token, base_url=BASE, username=name, password=PASSWORD,
                              now=NOW, cost=CHEAP_PASSWORDS)
            outcomes.append("made")
        except InviteError:
            outcomes.append("refused")

    threads = [threading.Thread(target=sign_up, args=(name,)) for name in ("rosa", "emma")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made", "refused"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(_account)).scalar_one() == 1
        assert conn.execute(select(_invite.c.used_by)).scalar_one() is not None


def test_a_refused_sign_up_leaves_the_link_usable(engine: Engine) -> None:
    with engine.begin() as conn:
        token, _ = create_invite(conn, now=NOW)
    with pytest.raises(ValueError, match="at least 10"), engine.begin() as conn:
        redeem_invite(conn, token, base_url=BASE, username="rosa", password="short", now=NOW,
                      cost=CHEAP_PASSWORDS)
    with engine.begin() as conn:
        user = redeem_invite(conn, token, base_url=BASE, username="rosa", password=PASSWORD,
                             now=NOW, cost=CHEAP_PASSWORDS)
    assert user.is_admin  # the node's first account is its admin


def test_links_expire_after_seven_days(engine: Engine) -> None:
    with engine.begin() as conn:
        token, _ = create_invite(conn, now=NOW)
    with pytest.raises(InviteError), engine.begin() as conn:
        redeem_invite(conn, token, base_url=BASE, username="rosa", password=PASSWORD,
                      now=NOW + timedelta(days=7, seconds=1), cost=CHEAP_PASSWORDS)


def test_closed_registrations_refuse_new_and_given_links(engine: Engine) -> None:
    with engine.begin() as conn:
        token, _ = create_invite(conn, now=NOW)
        write_setting(conn, "registrations", check_registrations("closed"))
    with pytest.raises(InviteError, match="closed"), engine.begin() as conn:
        create_invite(conn, now=NOW)
    with pytest.raises(InviteError, match="closed"), engine.begin() as conn:
        redeem_invite(conn, token, base_url=BASE, username="rosa", password=PASSWORD, now=NOW,
                      cost=CHEAP_PASSWORDS)
    with pytest.raises(NodeSettingsError):
        check_registrations("open")


# The pages


@pytest.fixture
def movable() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def app(settings: Settings, movable: MovableClock, engine: Engine) -> Starlette:
    add_admin(engine, "ada")
    return web_app(settings, movable)


@pytest.fixture
def admin(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield signed_in(c, "ada")


@pytest.fixture
def guest(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield c


def make_link(admin: TestClient) -> str:
    page = admin.post("/admin/invites", data={"csrf_token": page_token(admin, "/admin")})
    assert page.status_code == 200
    assert "It is shown only now." in page.text
    return f"/invite/{invite_token(page.text)}"


def sign_up(guest: TestClient, link: str, username: str = "rosa",
            password: str = PASSWORD, again: str | None = None) -> httpx.Response:
    return guest.post(link, data={"csrf_token": form_token(guest), "username": username,
                                  "display_name": "Rosa P", "password": password,
                                  "password_again": password if again is None else again})


def test_the_invitee_signs_up_once_and_lands_signed_in(admin: TestClient,
                                                       guest: TestClient) -> None:
    link = make_link(admin)
    form = guest.get(link)
    assert form.status_code == 200 and 'autocomplete="new-password"' in form.text
    response = sign_up(guest, link)
    assert response.status_code == 303 and response.headers["location"] == "/account"
    account = guest.get("/account")
    assert account.status_code == 200 and "@rosa@philly.example" in account.text
    assert "Rosa P" in account.text
    assert guest.get(link).status_code == 404  # used: the same answer as unknown
    assert guest.get("/invite/not-a-real-token").status_code == 404
    second = TestClient(guest.app, base_url=BASE, follow_redirects=False)  # a fresh browser
    assert sign_up(second, link, "emma").status_code == 404
    assert "@rosa" in admin.get("/admin").text


def test_a_browser_still_signed_in_can_sign_up_with_a_link(admin: TestClient) -> None:
    """A shared computer, or an admin trying the link: the form the page rendered
    carries the session's token, and the sign-up replaces that session (it was a 403)."""
    link = make_link(admin)
    token = page_token(admin, link)
    response = admin.post(link, data={"csrf_token": token, "username": "rosa",
                                      "display_name": "", "password": PASSWORD,
                                      "password_again": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/account"
    assert "@rosa@philly.example" in admin.get("/account").text
    assert admin.get("/admin").status_code == 403  # ada's session ended in this browser


def test_a_refused_sign_up_keeps_what_was_typed_and_the_link(admin: TestClient,
                                                             guest: TestClient) -> None:
    link = make_link(admin)
    differ = sign_up(guest, link, again="something else entirely")
    assert differ.status_code == 400 and "The two passwords differ." in differ.text
    assert 'value="rosa"' in differ.text and 'value="Rosa P"' in differ.text
    # the refusal is about the password: tied to the password field, not the username
    assert 'aria-describedby="password-hint invite-error"' in differ.text
    assert 'aria-describedby="username-hint"' in differ.text
    short = sign_up(guest, link, password="short")
    assert short.status_code == 400 and 'aria-describedby="password-hint invite-error"' \
        in short.text
    bad_name = sign_up(guest, link, username="Rosa!")
    assert bad_name.status_code == 400 and 'aria-describedby="username-hint invite-error"' \
        in bad_name.text
    assert 'aria-describedby="password-hint"' in bad_name.text
    # a sentence, like the page's own refusals (it read "el nombre de usuario 'Rosa!'
    # debe tener ... (en minúsculas)", lower case and with no full stop)
    guest.cookies.set(LANG_COOKIE, "es")
    spanish = sign_up(guest, link, username="Rosa!")
    assert ('role="alert">El nombre de usuario &#39;Rosa!&#39; debe tener de 1 a 30 '
            'caracteres entre a-z, 0-9 y _ (en minúsculas).</p>') in spanish.text
    guest.cookies.delete(LANG_COOKIE)
    assert sign_up(guest, link).status_code == 303


def test_an_expired_link_is_refused(admin: TestClient, guest: TestClient,
                                    movable: MovableClock) -> None:
    link = make_link(admin)
    movable.advance(days=7, seconds=1)
    assert guest.get(link).status_code == 404
    assert "This invitation link has expired or was already used." in guest.get(link).text


def test_the_sign_up_form_needs_its_csrf_token(admin: TestClient, guest: TestClient) -> None:
    link = make_link(admin)
    guest.get(link)
    refused = guest.post(link, data={"username": "rosa", "password": PASSWORD,
                                     "password_again": PASSWORD})
    assert refused.status_code == 403
    assert login(guest, "rosa", PASSWORD).status_code == 400  # no account was made
