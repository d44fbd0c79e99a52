"""Helpers for the account and admin page tests: admins, follows, a signed-in client."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Engine, insert, update
from starlette.testclient import TestClient

from node.accounts.models import Account
from node.activitypub.models import Follow, LocalActor
from tests.node.web_support import add_organizer, login

_account = Account.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]


def add_admin(engine: Engine, username: str = "ada") -> int:
    """An organizer whose account is a node admin; its actor id."""
    actor_id = add_organizer(engine, username)
    with engine.begin() as conn:
        conn.execute(update(_account).where(_account.c.actor_id == actor_id)
                     .values(is_admin=True))
    return actor_id


def add_follow(engine: Engine, following: str, follower: str, state: str,
               now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(insert(_follow).values(
            follower=follower, following=following, activity_id=f"{follower}#follow",
            state=state, inbox=f"{follower}/inbox", shared_inbox=None, created_at=now,
            updated_at=now))


def signed_in(client: TestClient, username: str) -> TestClient:
    response = login(client, username)
    assert response.status_code == 303, response.text
    return client


def page_token(client: TestClient, path: str) -> str:
    """The CSRF token of the first form on ``path`` (a signed-in page)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def invite_token(html: str) -> str:
    """The token of the invitation link the admin page shows once."""
    match = re.search(r'id="invite-link"[^>]*value="[^"]*/invite/([^"]+)"', html)
    if match is None:
        match = re.search(r'value="[^"]*/invite/([^"]+)"', html)
    assert match, "no invitation link on the page"
    return match.group(1)
