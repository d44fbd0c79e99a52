"""A hub forwards one of its items to the newswire (issue 10 item 2c): the manage
page's button and ``ionode news forward`` queue it as the hub's, once per item; the
approved Article keeps the source link and names the hub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from node.activitypub.models import StoredObject
from node.hubs.minutes.service import post_minutes
from node.hubs.updates.service import post_update
from node.newswire.models import NewsItem
from node.newswire.moderation.service import approve
from node.settings import Settings
from tests.node.cli_support import cli_flags, run_cli
from tests.node.hub_pages_support import BASE, HUB, MANAGE, Site, open_site

_news = NewsItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


@pytest.fixture
def steward(settings: Settings) -> Iterator[Site]:
    """``nate``, the hub's admin, signed in; ``mia``, a plain member."""
    with open_site(settings) as site:
        site.person("nate", "admin")
        site.person("mia")
        site.sign_in("nate")
        yield site


def minutes(site: Site) -> str:
    result = site.run(lambda node, conn: post_minutes(
        node, conn, "nate", [HUB], title="GA minutes 20 Nov", markdown="Consensus: **strike**.",
        summary="", attachments=[]))
    return str(result.object["id"])


def test_a_steward_sends_an_item_once_and_the_article_names_the_hub(steward: Site) -> None:
    uri = minutes(steward)
    assert "Send to the newswire" in steward.client.get(MANAGE).text
    sent = steward.send(f"/hubs/{HUB}/items/newswire", {"uri": uri})
    assert sent.headers["location"] == f"{MANAGE}?done=forwarded"
    page = steward.client.get(f"{MANAGE}?done=forwarded").text
    assert "Sent to the newswire" in page and "sent to the newswire</span>" in page
    [item] = steward.rows(_news)
    assert (item.title, item.body, item.state) == ("GA minutes 20 Nov", "Consensus: **strike**.",
                                                   "waiting")
    assert item.submitter_actor == f"{BASE}/hubs/{HUB}"
    assert item.submitter_handle == f"@{HUB}@philly.example"
    assert item.submitter_name == "West Coast Port Shutdown" and item.submitted_object == uri
    assert item.source_url == uri and item.contact_email == "" and item.submitter_inbox == ""
    again = steward.send(f"/hubs/{HUB}/items/newswire", {"uri": uri})
    assert again.status_code == 400 and "already sent to the newswire" in again.text
    assert len(steward.rows(_news)) == 1
    done = steward.run(lambda node, conn: approve(node, conn, item.id, role="admin"))
    with steward.node.engine.connect() as conn:
        article = conn.execute(select(_objects.c.document)
                               .where(_objects.c.uri == done.object_uri)).scalar_one()
    assert article["attachment"][0]["href"] == uri
    assert (f'Submitted by <a href="{BASE}/hubs/{HUB}">West Coast Port Shutdown</a>'
            in article["content"])


def test_a_plain_member_cannot_send_and_a_foreign_item_is_refused(steward: Site) -> None:
    uri = minutes(steward)
    steward.sign_in("mia")
    assert "Send to the newswire" not in steward.client.get(MANAGE).text
    refused = steward.send(f"/hubs/{HUB}/items/newswire", {"uri": uri})
    assert refused.status_code == 400 and "may send its items to the newswire" in refused.text
    steward.sign_in("nate")
    elsewhere = steward.send(f"/hubs/{HUB}/items/newswire",
                             {"uri": "https://elsewhere.example/notes/1"})
    assert elsewhere.status_code == 400 and "not published in this hub" in elsewhere.text
    assert steward.rows(_news) == []


def test_the_cli_forwards_an_update(steward: Site, settings: Settings, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    note = steward.run(lambda node, conn: post_update(node, conn, "nate",
                                                      "Picket at berth 5\nBring water", [HUB]))
    flags = cli_flags(settings.database, tmp_path / "data")
    assert run_cli(["news", "forward", HUB, note.note["id"], "--as", "nate"], flags,
                   monkeypatch) == 0
    assert "waiting for a moderator" in capsys.readouterr().out
    [item] = steward.rows(_news)
    assert (item.title, item.body) == ("Picket at berth 5", "Bring water")
    assert run_cli(["news", "forward", HUB, note.note["id"], "--as", "nate"], flags,
                   monkeypatch) != 0
    assert "already sent" in capsys.readouterr().err
    assert run_cli(["news", "forward", HUB, note.note["id"], "--as", "mia"], flags,
                   monkeypatch) != 0


def test_the_item_page_offers_the_button_to_stewards_until_sent(steward: Site) -> None:
    uri = minutes(steward)
    path = uri.removeprefix(BASE)
    page = steward.client.get(path, headers={"accept": "text/html"}).text
    assert f'action="/hubs/{HUB}/items/newswire"' in page and "Send to the newswire" in page
    steward.sign_in("mia")
    assert "Send to the newswire" not in steward.client.get(
        path, headers={"accept": "text/html"}).text
    steward.sign_in("nate")
    assert steward.send(f"/hubs/{HUB}/items/newswire", {"uri": uri}).status_code == 303
    assert "Send to the newswire" not in steward.client.get(
        path, headers={"accept": "text/html"}).text
