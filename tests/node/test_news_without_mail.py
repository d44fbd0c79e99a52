"""A node with no SMTP server (``IONODE_SMTP_URL`` unset, the default on a small node)
does not offer the digest by e-mail: the confirmation link could never reach anyone, so
the news page says so instead of showing the form, and a subscription posted anyway is
refused with nothing stored (a visitor was told "check your inbox" for a mail that never
came)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from node.newswire.digest.models import NewsSubscriber
from node.settings import Settings
from tests.conftest import NOW
from tests.node.web_support import MovableClock, form_token, web_app

_sub = NewsSubscriber.__table__  # type: ignore[attr-defined]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    assert not settings.smtp_url
    app = web_app(settings, MovableClock(NOW))
    with TestClient(app, base_url="https://philly.example", follow_redirects=False) as c:
        yield c


def test_the_news_page_offers_no_mail_when_the_node_sends_none(client: TestClient) -> None:
    page = client.get("/news", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'action="/news/subscribe"' not in page.text
    assert "This node sends no e-mail" in page.text
    assert 'href="/news/digests"' in page.text and 'href="/news/feed.atom"' in page.text


def test_a_subscription_posted_anyway_is_refused_and_not_stored(client: TestClient) -> None:
    token = form_token(client, "/news/submit")
    answer = client.post(
        "/news/subscribe", data={"csrf_token": token, "website": "", "email": "reader@example.org"}
    )
    assert answer.status_code == 409
    assert "sends no e-mail" in answer.text and "check your inbox" not in answer.text
    engine = client.app.state.node.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(_sub)).scalar_one() == 0
