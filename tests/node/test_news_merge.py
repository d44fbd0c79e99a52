"""Merging duplicate news (issue 10 item 3) and the news moderators' admin page: the
queue's merge form, ``ionode news merge ID --into ID``, the public log's "merged" entry,
the submitter's tracking page naming the item, and who may do each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.newswire.models import NewsItem, NewsLogEntry
from node.settings import Settings
from tests.conftest import NOW
from tests.node.admin_support import add_admin, page_token, signed_in
from tests.node.cli_support import PASSWORD, cli_flags, run_cli
from tests.node.newswire_support import make_moderator, submit, tracking_path
from tests.node.web_support import MovableClock, add_organizer, web_app

BASE = "https://philly.example"
_item = NewsItem.__table__  # type: ignore[attr-defined]
_log = NewsLogEntry.__table__  # type: ignore[attr-defined]


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Starlette:
    add_admin(engine, "ada")
    add_organizer(engine, "mo")
    add_organizer(engine, "nate")
    make_moderator(engine, "mo", NOW)
    return web_app(settings, MovableClock(NOW))


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield c


def states(engine: Engine) -> dict[int, tuple[str, int | None]]:
    with engine.connect() as conn:
        return {r.id: (r.state, r.merged_into)
                for r in conn.execute(select(_item.c.id, _item.c.state, _item.c.merged_into))}


def merge(client: TestClient, item_id: int, into: str) -> int:
    token = page_token(client, "/news/queue")
    return client.post(f"/news/queue/{item_id}/merge",
                       data={"csrf_token": token, "into": into}).status_code


def test_a_duplicate_is_merged_logged_and_its_submitter_told(
    client: TestClient, engine: Engine
) -> None:
    first = tracking_path(submit(client, title="Port of Oakland shut down"))
    second = tracking_path(submit(client, title="Oakland port closed today"))
    mo = signed_in(client, "mo")
    queue = mo.get("/news/queue").text
    assert 'action="/news/queue/2/merge"' in queue and '<option value="1">' in queue
    assert merge(mo, 2, "2") == 400  # not into itself
    assert merge(mo, 2, "99") == 400 and merge(mo, 2, "x") == 400
    assert states(engine) == {1: ("waiting", None), 2: ("waiting", None)}
    assert merge(mo, 2, "1") == 303
    assert states(engine) == {1: ("waiting", None), 2: ("merged", 1)}
    assert merge(mo, 2, "1") == 400  # decided already
    with engine.connect() as conn:
        entry = conn.execute(select(_log)).one()
    assert (entry.action, entry.title, entry.note, entry.role) == (
        "merged", "Oakland port closed today", "Port of Oakland shut down", "moderator")
    log = client.get("/news/log").text
    assert "merged as a duplicate" in log and "Port of Oakland shut down" in log
    page = client.get(second).text
    assert "Merged by the moderators as a duplicate into" in page
    assert "Port of Oakland shut down" in page and "Read it on the newswire" not in page
    token = page_token(mo, "/news/queue")
    assert mo.post("/news/queue/1/approve", data={
        "csrf_token": token, "title": "Port of Oakland shut down",
        "body": "Thousands marched to the **port**."}).status_code == 303
    with engine.connect() as conn:
        uri = conn.execute(select(_item.c.object_uri).where(_item.c.id == 1)).scalar_one()
    page = client.get(second).text
    assert f'href="{uri}"' in page  # now it points to the published item
    assert "Approved and published" in client.get(first).text
    third = tracking_path(submit(client, title="Port shut, again"))
    assert merge(mo, 3, "1") == 303  # into published news too
    assert "Merged by the moderators" in client.get(third).text


def test_merging_needs_a_moderator_and_the_csrf_token(
    client: TestClient, engine: Engine
) -> None:
    submit(client)
    submit(client, title="Same again")
    assert client.post("/news/queue/2/merge", data={"into": "1"}).status_code in (302, 303)
    nate = signed_in(client, "nate")
    token = page_token(nate, "/account")
    assert nate.post("/news/queue/2/merge",
                     data={"csrf_token": token, "into": "1"}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    mo = signed_in(client, "mo")
    assert mo.post("/news/queue/2/merge", data={"into": "1"}).status_code == 403
    assert states(engine)[2] == ("waiting", None)


def test_the_spanish_queue_and_tracking_page_translate_merging(
    client: TestClient, engine: Engine
) -> None:
    first = tracking_path(submit(client))
    second = tracking_path(submit(client, title="Same again"))
    mo = signed_in(client, "mo")
    assert merge(mo, 2, "1") == 303
    submit(client, title="A third one")  # the merge form shows only with a candidate
    spanish = {"Accept-Language": "es"}
    assert "Fusionar como duplicado" in mo.get("/news/queue", headers=spanish).text
    assert "duplicado" in client.get(second, headers=spanish).text
    assert "fusionada como duplicada" in client.get("/news/log", headers=spanish).text
    assert first != second


def test_ionode_news_merge(flags: list[str], monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    run = run_cli
    assert run(["user", "create", "ada", "--password-stdin"], flags, monkeypatch,
               PASSWORD) == 0
    for title in ("Port shut down", "Port closed"):
        assert run(["news", "submit", "--title", title, "--body", "march"], flags,
                   monkeypatch) == 0
    capsys.readouterr()
    assert run(["news", "merge", "2", "--into", "2", "--as", "ada"], flags, monkeypatch) == 1
    assert "cannot be merged into itself" in capsys.readouterr().err
    assert run(["news", "merge", "2", "--into", "1", "--as", "ada"], flags, monkeypatch) == 0
    assert "news 2 merged as a duplicate into 1 (Port shut down)" in capsys.readouterr().out
    assert run(["news", "log"], flags, monkeypatch) == 0
    assert "merged\tPort closed\t-\tadmin" in capsys.readouterr().out
    assert states(engine) == {1: ("waiting", None), 2: ("merged", 1)}


@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return cli_flags(database_url, tmp_path)


def test_admins_add_and_remove_news_moderators_on_a_page(
    client: TestClient, engine: Engine
) -> None:
    mo = signed_in(client, "mo")
    assert mo.get("/admin/news-moderators").status_code == 403  # moderators appoint no one
    token = page_token(mo, "/account")
    assert mo.post("/admin/news-moderators/add",
                   data={"csrf_token": token, "name": "nate"}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    ada = signed_in(client, "ada")
    page = ada.get("/admin/news-moderators")
    assert page.status_code == 200 and "@mo" in page.text
    assert 'href="/admin/news-moderators"' in ada.get("/admin").text
    assert ada.post("/admin/news-moderators/add", data={"name": "nate"}).status_code == 403
    token = page_token(ada, "/admin/news-moderators")
    refused = ada.post("/admin/news-moderators/add", data={"csrf_token": token, "name": "zed"})
    assert refused.status_code == 400 and "no organizer of that name" in refused.text
    assert 'value="zed"' in refused.text
    assert ada.post("/admin/news-moderators/add",
                    data={"csrf_token": token, "name": "@nate"}).status_code == 303
    assert "@nate" in ada.get("/admin/news-moderators?saved=add").text
    again = ada.post("/admin/news-moderators/add", data={"csrf_token": token, "name": "nate"})
    assert again.status_code == 400 and "already a news moderator" in again.text
    spanish = ada.get("/admin/news-moderators", headers={"Accept-Language": "es"}).text
    assert "Moderadores de noticias" in spanish
    assert ada.post("/admin/news-moderators/remove",
                    data={"csrf_token": token, "name": "mo"}).status_code == 303
    client.post("/logout", data={"csrf_token": token})
    assert signed_in(client, "mo").get("/news/queue").status_code == 403
    token = page_token(client, "/account")
    client.post("/logout", data={"csrf_token": token})
    assert signed_in(client, "nate").get("/news/queue").status_code == 200


def test_the_merge_form_shows_only_when_there_is_something_to_merge_into(
    client: TestClient,
) -> None:
    # Given one waiting news item and nothing else, when a moderator opens the queue,
    # then there is no "Duplicate of" picker with no choices; a second item brings it.
    submit(client, title="Only one so far")
    mo = signed_in(client, "mo")
    queue = mo.get("/news/queue").text
    assert 'action="/news/queue/1/approve"' in queue
    assert "Duplicate of" not in queue and 'action="/news/queue/1/merge"' not in queue
    submit(mo, title="A second one")
    queue = mo.get("/news/queue").text
    assert 'action="/news/queue/1/merge"' in queue and '<option value="2">' in queue
