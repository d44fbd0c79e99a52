"""The organizer's hub pages in a test client: the site, its people, and the forms they send."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

import httpx
from sqlalchemy import func, insert, select
from starlette.testclient import TestClient

from node.accounts.models import Account
from node.accounts.passwords import hash_password
from node.accounts.sessions import SESSION_COOKIE, create_session
from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import Follow, OutboxActivity, StoredObject
from node.app import create_app
from node.clock import Clock, fixed_clock
from node.hubs.calls.service import create_call
from node.hubs.events.rules import CallDetails, EventSpec, Online
from node.hubs.hub.members import set_member
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.runtime import Node
from node.settings import Settings
from tests.conftest import CHEAP_PASSWORDS, NOW

PASSWORD = "correct horse battery staple"
HUB = "portshutdown"
BASE = "https://philly.example"
MANAGE = f"/hubs/{HUB}/manage"
HTML = {"accept": "text/html"}
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_items = HubItem.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]


@cache
def password_hash() -> str:
    """The test password hashed once per run, at the test settings' cheap cost."""
    return hash_password(PASSWORD, CHEAP_PASSWORDS)


def form_token(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client: TestClient, username: str, next_path: str) -> Any:
    data = {"csrf_token": form_token(client, "/login"), "username": username,
            "password": PASSWORD, "next": next_path}
    return client.post("/login", data=data)


@dataclass
class Site:
    client: TestClient
    node: Node
    accounts: dict[str, int] = field(default_factory=dict)

    def person(self, username: str, role: str | None = "member") -> str:
        """A local organizer with an account, a member of the hub with ``role``."""
        with self.node.engine.begin() as conn:
            actor = create_local_actor(conn, base_url=BASE, kind="person", username=username,
                                       now=NOW, keys=self.node.actor_keys)
            key = conn.execute(insert(_account).values(
                actor_id=actor.id, password_hash=password_hash(), is_admin=False,
                created_at=NOW)).inserted_primary_key
            assert key is not None
            self.accounts[username] = int(key[0])
            if role is not None:
                set_member(conn, load_hub(conn, HUB), actor.uri, role, NOW)
        return actor.uri

    def sign_in(self, username: str) -> None:
        """A session as the sign-in form starts one (the form itself: test_web_auth.py)."""
        with self.node.engine.begin() as conn:
            token, _ = create_session(conn, self.accounts[username], NOW)
        self.client.cookies.clear()
        self.client.cookies.set(SESSION_COOKIE, token, domain="philly.example")

    def send(self, path: str, data: dict[str, Any] | None = None, *, token: bool = True,
             **headers: str) -> Any:
        body = dict(data or {})
        if token:
            body["csrf_token"] = form_token(self.client, "/account")
        return self.client.post(path, data=body, headers=headers)

    def rows(self, table: Any, *where: Any) -> list[Any]:
        with self.node.engine.connect() as conn:
            return list(conn.execute(select(table).where(*where).order_by(table.c.id)))

    def outbox(self) -> list[str]:
        return [row.type for row in self.rows(_outbox)]

    def count(self, table: Any) -> int:
        with self.node.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def nothing_stored(self) -> None:
        assert (self.count(_objects), self.count(_items), self.count(_outbox)) == (0, 0, 0)

    def run(self, work: Any) -> Any:
        with self.node.engine.begin() as conn:
            return work(self.node, conn)



CALL_FORM = {"title": "National call", "start": "2026-11-23T19:00", "duration": "90",
             "timezone": "America/New_York", "repeat": "weekly", "weeks": "3",
             "call_url": "https://call.example/ga", "dial_in": "+1 555 0100",
             "access_code": "1234#", "facilitator": "Ana", "agenda": "1. Reports",
             "breakout_rooms": "Legal\r\nMedia\r\n"}
POSTS: dict[str, tuple[dict[str, str], str]] = {
    "update": ({"text": "Picket at berth 5\r\nBring water"}, "Note"),
    "minutes": ({"title": "GA minutes 20 Nov", "summary": "Consensus on the shutdown.",
                 "body": "# Proposals\r\n\r\n- shut it down", "attachments":
                 "Agenda=https://example.org/agenda.pdf\r\n\r\n"}, "Article"),
    "event": ({"title": "March to the port", "start": "2026-12-12T07:00",
               "end": "2026-12-12T11:00", "timezone": "America/Los_Angeles",
               "place_name": "Frank Ogawa Plaza", "place_address": "Oakland",
               "capacity": "5000", "description": "Meet at *dawn*."}, "Event"),
    "call": (CALL_FORM, "Event"),
    "poll": ({"question": "Which day?", "options": "Monday\r\nTuesday\r\n\r\n",
              "choice": "several", "ends_in": "2", "ends_unit": "days"}, "Question"),
}


def a_series(site: Site, author: str = "nate") -> list[str]:
    start = EventSpec(title="National call", start=NOW + timedelta(days=2, hours=12),
                      end=NOW + timedelta(days=2, hours=13), timezone="America/New_York",
                      call=CallDetails(call_url="https://call.example/x"),
                      location=Online("https://call.example/x"))
    result = site.run(lambda node, conn: create_call(node, conn, author=author, hub=HUB,
                                                     spec=start, rrule="FREQ=WEEKLY;COUNT=4"))
    return [result.event["id"], *result.occurrences]


def section(page: str, name: str) -> str:
    """The HTML of one section of the hub page (``aria-labelledby="NAME-heading"``)."""
    match = re.search(rf'<section[^>]*aria-labelledby="{name}-heading".*?</section>', page,
                      re.DOTALL)
    assert match, f"no {name} section"
    return re.sub(r"[ \t\r\n]+", " ", match.group(0))  # Babel's narrow spaces stay


@contextmanager
def open_site(settings: Settings, clock: Clock | None = None,
              transport: httpx.AsyncBaseTransport | None = None) -> Iterator[Site]:
    """A node in-process with the hub ``HUB`` and a client that does not follow redirects
    (the pages' tests read each 303 themselves); no background workers."""
    app = create_app(settings, clock=clock or fixed_clock(NOW), start_workers=False,
                     transport=transport)
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        node: Node = app.state.node
        with node.engine.begin() as conn:
            create_hub(conn, base_url=BASE, name=HUB, title="West Coast Port Shutdown", now=NOW,
                       keys=node.actor_keys)
        yield Site(client, node)
