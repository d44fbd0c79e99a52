"""Helpers for the web tests: a movable clock, local actors and organizers, the web app,
and signing in through the login form."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, update
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.accounts.service import create_account
from node.activitypub.keys import generate_actor_keys
from node.activitypub.models import LocalActor
from node.app import create_app
from node.settings import Settings
from node.web.install import install_web
from tests.conftest import CHEAP_PASSWORDS, NOW

PASSWORD = "correct horse battery staple"
_actor = LocalActor.__table__  # type: ignore[attr-defined]


class MovableClock:
    """A clock the test can advance (sessions expire, rate-limit windows close)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def add_actor(engine: Engine, username: str, kind: str = "person", **values: Any) -> int:
    """A local actor row with placeholder keys (pages and sign-in never use the keys)."""
    row = {
        "username": username, "kind": kind, "uri": f"https://philly.example/users/{username}",
        "display_name": username, "summary": "", "profile_fields": [],
        "rsa_private_pem": "-", "rsa_public_pem": "-", "ed25519_private": b"-",
        "ed25519_public_multibase": "z", "created_at": NOW, "updated_at": NOW, **values,
    }
    with engine.begin() as conn:
        new_id = conn.execute(insert(_actor).values(**row)).inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


def add_organizer(engine: Engine, username: str = "nate") -> int:
    """A person with an account, its password hashed at the test settings' cheap cost."""
    actor_id = add_actor(engine, username)
    with engine.begin() as conn:
        create_account(conn, actor_id=actor_id, password=PASSWORD, now=NOW,
                       cost=CHEAP_PASSWORDS)
    return actor_id


def web_app(settings: Settings, clock: MovableClock) -> Starlette:
    app = create_app(settings, clock=clock, start_workers=False)
    install_web(app, settings)  # a no-op once create_app installs it itself
    return app


def form_token(client: TestClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client: TestClient, username: str = "nate", password: str = PASSWORD,
          next_path: str = "/account", **extra: str) -> Any:
    data = {"csrf_token": form_token(client), "username": username, "password": password,
            "next": next_path, **extra}
    return client.post("/login", data=data)


def give_real_keys(engine: Engine, username: str) -> None:
    keys = generate_actor_keys()
    with engine.begin() as conn:
        conn.execute(update(_actor).where(_actor.c.username == username).values(
            rsa_private_pem=keys.rsa_private_pem, rsa_public_pem=keys.rsa_public_pem,
            ed25519_private=keys.ed25519_private,
            ed25519_public_multibase=keys.ed25519_public_multibase))
