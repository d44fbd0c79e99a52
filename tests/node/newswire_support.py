"""Helpers for the newswire tests: a Code of Conduct, a submission through the form,
a moderator signed in."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Engine
from starlette.testclient import TestClient

from node.newswire.conduct.service import publish_version
from node.newswire.moderation.roles import add_moderator
from tests.fakes.remote import FakeActor
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


NEWS_ACTOR = "https://philly.example/news"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def mention(actor: FakeActor, n: int = 1, *, text: str = "Port of Oakland shut down",
            to: list[str] | None = None, cc: list[str] | None = None,
            tag: bool = True) -> dict[str, Any]:
    """A Mastodon-shaped Create{Note}: a public post mentioning @news by default."""
    status = f"{actor.uri}/statuses/{n}"
    to = [PUBLIC] if to is None else to
    cc = [f"{actor.uri}/followers", NEWS_ACTOR] if cc is None else cc
    note = {"id": status, "type": "Note", "attributedTo": actor.uri, "to": to, "cc": cc,
            "url": f"https://{actor.host}/@{actor.username}/{n}", "inReplyTo": None,
            "published": "2026-11-21T11:59:00Z", "sensitive": False,
            "content": f'<p><span class="h-card"><a href="{NEWS_ACTOR}" class="u-url mention">'
                       f"@<span>news</span></a></span> {text}</p>"
                       "<p>Thousands marched to the port.</p>",
            "tag": [{"type": "Mention", "href": NEWS_ACTOR, "name": "@news@philly.example"}]
            if tag else []}
    return {"@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{status}/activity", "type": "Create", "actor": actor.uri,
            "to": to, "cc": cc, "object": note}
