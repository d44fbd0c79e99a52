"""Organizer sign-in: sessions, cookies, CSRF, rate limiting, safe redirects, posting."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import Engine, select, update
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.accounts import ratelimit
from node.accounts.models import Account, LoginSession
from node.accounts.passwords import PasswordError
from node.accounts.service import AccountError, authenticate, create_account
from node.accounts.sessions import SESSION_COOKIE, token_hash
from node.activitypub.models import OutboxActivity, StoredObject
from node.hubs.hub.members import set_member
from node.hubs.hub.models import Hub
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.password_cost import PRODUCTION
from node.settings import Settings
from node.web.auth import safe_next
from tests.conftest import CHEAP_PASSWORDS, NOW
from tests.node.web_support import (
    PASSWORD,
    MovableClock,
    add_actor,
    add_organizer,
    form_token,
    give_real_keys,
    login,
    web_app,
)

_account = Account.__table__  # type: ignore[attr-defined]
_session = LoginSession.__table__  # type: ignore[attr-defined]


@pytest.fixture
def movable() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def app(settings: Settings, movable: MovableClock) -> Starlette:
    return web_app(settings, movable)


@pytest.fixture
def client(app: Starlette, engine: Engine) -> Iterator[TestClient]:
    add_organizer(engine)
    with TestClient(app, base_url="https://philly.example", follow_redirects=False) as c:
        yield c


def set_cookie_headers(response: Any) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k == "set-cookie"]


def test_login_sets_a_secure_httponly_lax_session_cookie(client: TestClient) -> None:
    response = login(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    cookie = next(c for c in set_cookie_headers(response) if c.startswith(SESSION_COOKIE + "="))
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=lax", "path=/", "max-age=1209600"} <= attributes
    page = client.get("/account")
    assert page.status_code == 200
    assert "@nate@philly.example" in page.text


def test_database_keeps_only_the_hash_of_the_session_token(
    client: TestClient, engine: Engine
) -> None:
    login(client)
    token = client.cookies[SESSION_COOKIE]
    with engine.connect() as conn:
        stored = conn.execute(select(_session.c.token_hash)).scalars().all()
    assert stored == [token_hash(token)]
    assert token not in stored


def test_cookies_are_not_secure_on_a_plain_http_development_node(
    settings: Settings, engine: Engine, movable: MovableClock
) -> None:
    local = dataclasses.replace(settings, url="http://localhost:8000")
    add_organizer(engine)
    with TestClient(web_app(local, movable), base_url="http://localhost:8000",
                    follow_redirects=False) as c:
        assert "ionode_csrf" in c.get("/login").cookies
        response = login(c)
    assert response.status_code == 303
    cookie = next(v for v in set_cookie_headers(response) if v.startswith(SESSION_COOKIE))
    assert "secure" not in cookie.lower()
    assert "httponly" in cookie.lower()


@pytest.mark.parametrize(("username", "password"), [("nate", "wrong password!"),
                                                    ("nobody", PASSWORD)])
def test_wrong_password_or_unknown_user_fails_alike(
    client: TestClient, username: str, password: str
) -> None:
    response = login(client, username=username, password=password)
    assert response.status_code == 400
    assert "Wrong username or password." in response.text
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/account").status_code == 303


def test_six_attempts_after_five_failures_are_refused_with_retry_after(
    client: TestClient, movable: MovableClock
) -> None:
    for _ in range(5):
        assert login(client, password="wrong password!").status_code == 400
    limited = login(client)  # even the right password is not checked now
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "900"
    assert SESSION_COOKIE not in client.cookies
    movable.advance(minutes=15, seconds=1)
    assert login(client).status_code == 303


def test_retry_after_counts_down_from_the_fifth_newest_failure(
    client: TestClient, movable: MovableClock
) -> None:
    for _ in range(5):
        login(client, password="wrong password!")
        movable.advance(minutes=1)
    # failures at t=0..4 min, now t=5: the t=0 failure ages out at t=15.
    assert login(client).headers["retry-after"] == str(10 * 60)


def test_success_clears_the_username_failures(client: TestClient) -> None:
    for _ in range(4):
        login(client, password="wrong password!")
    assert login(client).status_code == 303
    client.cookies.clear()
    for _ in range(4):
        assert login(client, password="wrong password!").status_code == 400
    assert login(client).status_code == 303


def test_client_address_limit_spans_usernames(client: TestClient, engine: Engine) -> None:
    with engine.begin() as conn:
        for n in range(ratelimit.CLIENT_LIMIT):
            ratelimit.record_failure(conn, f"guess{n}", ratelimit.client_key("testclient"), NOW)
    response = login(client)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_ipv6_clients_are_counted_per_64() -> None:
    assert ratelimit.client_key("2001:db8:1:2::1") == ratelimit.client_key("2001:db8:1:2:ffff::9")
    assert ratelimit.client_key("2001:db8:1:2::1") != ratelimit.client_key("2001:db8:1:3::1")
    assert ratelimit.client_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert ratelimit.client_key(None) == "unknown"


@pytest.mark.parametrize("case", ["missing", "wrong", "other browser", "no cookie"])
def test_login_without_a_valid_csrf_token_is_403(client: TestClient, case: str) -> None:
    token = form_token(client)
    data = {"username": "nate", "password": PASSWORD}
    if case == "wrong":
        data["csrf_token"] = token[:-4] + "0000"
    elif case == "other browser":  # a token minted for another pre-session cookie
        data["csrf_token"] = token
        client.cookies.clear()
        form_token(client)
    elif case == "no cookie":
        data["csrf_token"] = token
        client.cookies.clear()
    response = client.post("/login", data=data, headers={"accept": "text/html"})
    assert response.status_code == 403
    assert "could not be verified" in response.text
    assert SESSION_COOKIE not in client.cookies


def test_login_posted_from_another_origin_is_403(client: TestClient) -> None:
    data = {"csrf_token": form_token(client), "username": "nate", "password": PASSWORD}
    response = client.post("/login", data=data, headers={"origin": "https://evil.example"})
    assert response.status_code == 403


def test_logout_needs_the_csrf_token_then_kills_the_session(client: TestClient) -> None:
    login(client)
    old_token = client.cookies[SESSION_COOKIE]
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", data={"csrf_token": "nope"}).status_code == 403
    assert client.get("/account").status_code == 200  # still signed in
    response = client.post("/logout", data={"csrf_token": form_token(client, "/account")})
    assert response.status_code == 303
    assert any(c.startswith(f"{SESSION_COOKIE}=") and "Max-Age=0" in c
               for c in set_cookie_headers(response))
    client.cookies.set(SESSION_COOKIE, old_token, domain="philly.example")
    assert client.get("/account").status_code == 303  # the row is gone, the cookie is dead


def test_new_login_replaces_the_browser_old_session(client: TestClient, engine: Engine) -> None:
    token = form_token(client)  # a login form left open in another tab
    presession = client.cookies["__Host-ionode_csrf"]
    login(client)
    first = client.cookies[SESSION_COOKIE]
    client.cookies.set("__Host-ionode_csrf", presession, domain="philly.example")
    again = {"csrf_token": token, "username": "nate", "password": PASSWORD}
    assert client.post("/login", data=again).status_code == 303
    assert client.cookies[SESSION_COOKIE] != first
    with engine.connect() as conn:
        assert conn.execute(select(_session.c.token_hash)).scalars().all() == [
            token_hash(client.cookies[SESSION_COOKIE])
        ]


def test_session_expires_after_14_days(client: TestClient, movable: MovableClock) -> None:
    login(client)
    movable.advance(days=13, hours=23)
    assert client.get("/account").status_code == 200
    movable.advance(hours=1, seconds=1)
    assert client.get("/account").status_code == 303


def test_pages_that_need_login_redirect_with_next(client: TestClient) -> None:
    response = client.get("/account?tab=x")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account%3Ftab%3Dx"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
     "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "evil.example", ""],
)
def test_next_never_leaves_the_node(client: TestClient, target: str) -> None:
    assert safe_next(target) == "/account"
    response = login(client, next_path=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"


def test_next_keeps_a_local_path(client: TestClient) -> None:
    assert safe_next("/hubs/portshutdown?tab=calls") == "/hubs/portshutdown?tab=calls"
    assert safe_next("/" + "x" * 3000) == "/account"  # absurdly long: not worth keeping
    assert login(client, next_path="/hubs/portshutdown").headers["location"] == (
        "/hubs/portshutdown"
    )


def test_already_signed_in_login_page_goes_on(client: TestClient) -> None:
    login(client)
    response = client.get("/login?next=//evil.example")
    assert response.status_code == 303
    assert response.headers["location"] == "/account"


def post_update(client: TestClient, text: str, *hubs: str, token: str | None = "page") -> Any:
    data: dict[str, Any] = {"text": text, "hub": list(hubs)}
    if token == "page":
        data["csrf_token"] = form_token(client, "/account")
    elif token is not None:
        data["csrf_token"] = token
    return client.post("/account/post", data=data)


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_account_post_without_the_csrf_token_is_403(client: TestClient, token: str | None) -> None:
    login(client)
    assert post_update(client, "hello", token=token).status_code == 403


def test_account_post_when_signed_out_goes_to_login(client: TestClient) -> None:
    response = client.post("/account/post", data={"text": "hi"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"


def outbox_types(engine: Engine) -> list[str]:
    table = OutboxActivity.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return [row.type for row in conn.execute(select(table.c.type).order_by(table.c.id))]


@pytest.mark.parametrize(
    ("text", "hubs", "message"),
    [("   ", (), "Write something"), ("x" * 5001, (), "at most 5000"),
     ("hello", ("nohub",), "Choose hubs")],
)
def test_account_post_validates(
    client: TestClient, engine: Engine, text: str, hubs: tuple[str, ...], message: str
) -> None:
    login(client)
    response = post_update(client, text, *hubs)
    assert response.status_code == 400
    assert message in response.text
    assert outbox_types(engine) == []


def test_account_post_publishes_the_note_into_the_hub(client: TestClient, engine: Engine) -> None:
    # Given a signed-in organizer and a hub, when the compose form is sent with the hub
    # chosen (twice, as a double click would), then one signed Create and the hub's Announce
    # (in its two forms) are published and the organizer is sent back to the account page.
    give_real_keys(engine, "nate")
    with engine.begin() as conn:
        create_hub(conn, base_url="https://philly.example", name="portshutdown",
                   title="Port Shutdown", now=NOW)
        set_member(conn, load_hub(conn, "portshutdown"), "https://philly.example/users/nate",
                   "member", NOW)
    login(client)
    text = "Port shutdown call tonight\r\n" + "x" * (5000 - 28)  # CRLF counts as one character
    response = post_update(client, text, "portshutdown", "portshutdown")
    assert response.status_code == 303
    assert response.headers["location"] == "/account?posted=1"
    assert outbox_types(engine) == ["Create", "Announce", "Announce"]
    table = StoredObject.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        (document,) = conn.execute(select(table.c.document)).scalars()
    assert document["content"].startswith("<p>Port shutdown call tonight")
    assert "proof" in document


def test_oversized_or_non_form_bodies_are_refused(client: TestClient) -> None:
    big = client.post("/login", content=b"a=" + b"x" * 70_000,
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413
    json_body = client.post("/login", json={"username": "nate"})
    assert json_body.status_code == 415


def test_create_account_refuses_non_people_duplicates_and_weak_passwords(engine: Engine) -> None:
    person = add_actor(engine, "joan")
    hub = add_actor(engine, "dockers", kind="group")
    with engine.begin() as conn:
        with pytest.raises(PasswordError):
            create_account(conn, actor_id=person, password="short", now=NOW,
                           cost=CHEAP_PASSWORDS)
        with pytest.raises(AccountError, match="not a local organizer"):
            create_account(conn, actor_id=hub, password=PASSWORD, now=NOW,
                           cost=CHEAP_PASSWORDS)
        create_account(conn, actor_id=person, password=PASSWORD, now=NOW,
                       cost=CHEAP_PASSWORDS, is_admin=True)
    with engine.begin() as conn, pytest.raises(AccountError, match="already has an account"):
        create_account(conn, actor_id=person, password=PASSWORD, now=NOW,
                       cost=CHEAP_PASSWORDS)


def test_authenticate_upgrades_an_old_hash(engine: Engine) -> None:
    # At the production cost (the one every node started from its environment has), a
    # stored hash at weaker parameters is replaced by a production-cost one at sign-in.
    actor_id = add_organizer(engine, "joan")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with engine.begin() as conn:
        conn.execute(update(_account).where(_account.c.actor_id == actor_id)
                     .values(password_hash=weak))
    with engine.begin() as conn:
        assert authenticate(conn, "joan", "wrong password!", NOW, PRODUCTION) is None
        assert authenticate(conn, "nobody", PASSWORD, NOW, PRODUCTION) is None
        account = authenticate(conn, "Joan", PASSWORD, NOW, PRODUCTION)
    assert account is not None
    with engine.connect() as conn:
        stored = conn.execute(select(_account.c.password_hash)).scalar_one()
    assert stored != weak
    assert stored.startswith("$argon2id$")
    made = extract_parameters(stored)
    assert (made.time_cost, made.memory_cost, made.parallelism) == (3, 64 * 1024, 4)


def test_the_compose_form_offers_only_hubs_that_take_the_post(
    client: TestClient, engine: Engine
) -> None:
    """A members-only hub is not offered to someone who is no member (a newcomer ticked
    it and had the post refused); a moderated hub is, since the post waits there."""
    hubs = Hub.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for name, title in (("closedcircle", "Closed Circle"), ("openfloor", "Open Floor")):
            create_hub(conn, base_url="https://philly.example", name=name, title=title, now=NOW)
        moderated = load_hub(conn, "openfloor").hub.id
        conn.execute(update(hubs).where(hubs.c.id == moderated)
                     .values(posting_policy="moderated"))
    login(client)
    page = client.get("/account").text
    assert 'value="openfloor"' in page and 'value="closedcircle"' not in page
    with engine.begin() as conn:
        set_member(conn, load_hub(conn, "closedcircle"), "https://philly.example/users/nate",
                   "member", NOW)
    assert 'value="closedcircle"' in client.get("/account").text
