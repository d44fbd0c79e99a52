"""Errors for people (issue 8, item 6): pages for browsers, JSON for programs.

Each status is reached the way a visitor reaches it, then asked for by a browser, an
ActivityPub peer, curl (``*/*``) and a client with no Accept header at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from node.settings import Settings
from node.web.forms import FORM_LIMIT
from tests.conftest import NOW
from tests.node.web_support import MovableClock, add_organizer, form_token, web_app

BASE = "https://philly.example"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
ACCEPTS = {"browser": BROWSER, "activitypub": "application/activity+json",
           "curl": "*/*", "none": None}
SECRET = "database password is hunter2"
Visit = Callable[[TestClient, dict[str, str]], httpx.Response]


async def _explode(request: Request) -> Response:
    raise RuntimeError(SECRET)


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Starlette:
    add_organizer(engine, "nate")
    app = web_app(settings, MovableClock(NOW))
    app.router.routes.append(Route("/_test/explode", _explode))
    return app


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    # raise_server_exceptions stays on: an exception escaping the app fails the test,
    # as it would reach the server's own log a second time.
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield c


def _rate_limited(client: TestClient, headers: dict[str, str]) -> httpx.Response:
    token = form_token(client)
    for _ in range(5):
        client.post("/login", data={"csrf_token": token, "username": "nate",
                                    "password": "wrong password!"})
    return client.post("/login", headers=headers, data={
        "csrf_token": token, "username": "nate", "password": "wrong password!"})


VISITS: dict[int, Visit] = {
    404: lambda c, h: c.get("/no/such/page", headers=h),
    403: lambda c, h: c.post("/login", headers=h, data={"username": "nate"}),
    405: lambda c, h: c.get("/logout", headers=h),
    413: lambda c, h: c.post("/login", headers=h, data={"x": "y" * (FORM_LIMIT + 1)}),
    429: _rate_limited,
    500: lambda c, h: c.get("/_test/explode", headers=h),
}
ADVICE = {
    404: "Check the address for typing mistakes",
    403: "admins for the node",  # "ask the hub's admins, or the node's admins for..."
    405: "use the links and buttons on the page",
    413: "send something smaller",
    429: "You can try again in 15 minutes.",
    500: "If it keeps happening, tell the people who run this node",
}


def _visit(client: TestClient, status: int, accept: str | None) -> httpx.Response:
    if accept is None:
        del client.headers["accept"]  # httpx sends */* unless told otherwise
        headers = {}
    else:
        headers = {"Accept": accept}
    return VISITS[status](client, headers)


@pytest.mark.parametrize("status", sorted(VISITS))
def test_browsers_get_a_page_that_says_what_to_do(client: TestClient, status: int) -> None:
    response = _visit(client, status, BROWSER)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="en">' in page
    assert len(re.findall(r"<h1[ >]", page)) == 1
    assert '<a href="/">Back to the front page</a>' in page
    assert '<header class="site">' in page and '<footer class="site">' in page  # base.html
    assert ADVICE[status] in page
    assert "{" not in re.sub(r"<(style|script).*?</\1>", "", page, flags=re.S)  # not JSON


@pytest.mark.parametrize("who", ["activitypub", "curl", "none"])
@pytest.mark.parametrize("status", sorted(VISITS))
def test_programs_get_json(client: TestClient, status: int, who: str) -> None:
    response = _visit(client, status, ACCEPTS[who])
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]


@pytest.mark.parametrize("who", sorted(ACCEPTS))
def test_429_always_says_when_to_come_back(client: TestClient, who: str) -> None:
    response = _visit(client, 429, ACCEPTS[who])
    assert response.status_code == 429
    assert response.headers["retry-after"] == "900"


@pytest.mark.parametrize("who", sorted(ACCEPTS))
def test_405_names_the_allowed_methods(client: TestClient, who: str) -> None:
    response = _visit(client, 405, ACCEPTS[who])
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("who", sorted(ACCEPTS))
def test_500_reveals_nothing_and_logs_one_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture, who: str
) -> None:
    with caplog.at_level(logging.ERROR):
        response = _visit(client, 500, ACCEPTS[who])
    assert response.status_code == 500
    for internal in (SECRET, "hunter2", "RuntimeError", "Traceback", "_explode", ".py"):
        assert internal not in response.text
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert tracebacks[0].exc_info is not None and tracebacks[0].exc_info[1] is not None
    assert str(tracebacks[0].exc_info[1]) == SECRET
    assert "/_test/explode" in tracebacks[0].getMessage()


@pytest.mark.parametrize("path", ["/users/nobody", "/hubs/nobody", "/objects/nothing"])
def test_unknown_actor_and_object_urls_are_pages_for_browsers(
    client: TestClient, path: str
) -> None:
    page = client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "There is nothing here, or it is not public." in page.text
    assert "Accept" in page.headers["vary"]
    peer = client.get(path, headers={"Accept": "application/activity+json"})
    assert (peer.status_code, peer.json()) == (404, {"error": "not found"})


@pytest.mark.parametrize("who", sorted(ACCEPTS))
def test_inbox_paths_keep_their_json_answers(client: TestClient, who: str) -> None:
    headers = {} if ACCEPTS[who] is None else {"Accept": str(ACCEPTS[who])}
    response = client.get("/inbox", headers=headers)
    assert response.status_code == 405
    assert response.json() == {"error": "an inbox only accepts POST"}
