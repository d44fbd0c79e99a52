"""Helpers for the newswire tests: a Code of Conduct, a submission through the form,
a moderator signed in."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
from sqlalchemy import Engine
from starlette.testclient import TestClient

from node.newswire.conduct.service import publish_version
from node.newswire.moderation.roles import add_moderator
from tests.node.web_support import form_token

CONDUCT = """# Code of Conduct

1. Be truthful: news, not rumours.
2. No harassment, no doxxing.
3. No advertising.
"""
NEWS = {"title": "Port of Oakland shut down", "body": "Thousands marched to the **port**.",
        "links": "https://example.org/photos\nhttps://example.org/video",
        "source_url": "https://example.org/report", "submitter_name": "Rosa",
        "contact_email": "rosa@example.net"}


def write_conduct(engine: Engine, now: datetime, text: str = CONDUCT) -> int:
    with engine.begin() as conn:
        return publish_version(conn, "conduct", text, now)


def make_moderator(engine: Engine, username: str, now: datetime) -> None:
    with engine.begin() as conn:
        add_moderator(conn, username, now)


def submit(client: TestClient, **fields: str) -> httpx.Response:
    """POST the public form with its CSRF token; ``fields`` replace the sample news."""
    data = {"csrf_token": form_token(client, "/news/submit"), **NEWS, "website": "",
            **fields}
    return client.post("/news/submit", data=data, follow_redirects=False)


def tracking_path(response: httpx.Response) -> str:
    """Where a successful submission sent the browser: its private tracking page."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/news/track/[A-Za-z0-9_-]{20,}\?new=1", location), location
    return location.split("?")[0]
