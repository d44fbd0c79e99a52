"""A new node's newswire has a default Code of Conduct: shown (and marked as the default)
where the Code of Conduct is shown, citable by moderators, in the reader's language, and
replaced by the first version an admin publishes; the edit page and the CLI say so."""

from __future__ import annotations

import re
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
from tests.node.newswire_support import CONDUCT, make_moderator, submit, write_conduct
from tests.node.web_support import MovableClock, add_organizer, web_app

BASE = "https://philly.example"
ES = {"accept-language": "es"}
NOTE = "The default Code of Conduct that comes with ionode"
_item = NewsItem.__table__  # type: ignore[attr-defined]
_log = NewsLogEntry.__table__  # type: ignore[attr-defined]


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Starlette:
    add_admin(engine, "ada")
    add_organizer(engine, "mo")
    make_moderator(engine, "mo", NOW)
    return web_app(settings, MovableClock(NOW))


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield c


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_new_node_shows_the_default_code_of_conduct(client: TestClient) -> None:
    page = text(client.get("/news/conduct").text)
    assert NOTE in page
    assert "1. Respect people. No harassment, threats" not in page  # an ordered list
    assert "Respect people. No harassment, threats, personal attacks" in page
    assert "Protect privacy." in page and "Nothing unlawful." in page
    spanish = text(client.get("/news/conduct", headers=ES).text)
    assert "El Código de Conducta predeterminado que trae ionode" in spanish
    assert "Respeta a las personas. Sin acoso" in spanish
    assert "Respect people" not in spanish


def test_moderators_cite_the_default_until_one_is_published(
        client: TestClient, engine: Engine) -> None:
    submit(client)
    signed_in(client, "mo")
    queue = client.get("/news/queue").text
    assert "Clause of the default Code of Conduct" in queue
    assert '<option value="3">3. Protect privacy.' in queue
    with engine.connect() as conn:
        item_id = conn.execute(select(_item.c.id)).scalar_one()
    answer = client.post(f"/news/queue/{item_id}/reject",
                         data={"csrf_token": page_token(client, "/news/queue"), "clause": "3"})
    assert answer.status_code == 303
    with engine.connect() as conn:
        assert conn.execute(select(_log.c.clause)).scalar_one().startswith(
            "Code of Conduct (default), 3. Protect privacy. No home addresses")


def test_a_citation_of_the_default_is_read_in_the_readers_language(
        client: TestClient, engine: Engine) -> None:
    """The log keeps the English citation, but the public log and the submitter's
    tracking page showed it as is: 'Cláusula: Code of Conduct (default), 5. Stay on
    topic...' to a Spanish reader, who had read that clause in Spanish on /news/conduct."""
    track = submit(client).headers["location"].split("?")[0]
    signed_in(client, "mo")
    with engine.connect() as conn:
        item_id = conn.execute(select(_item.c.id)).scalar_one()
    assert client.post(f"/news/queue/{item_id}/reject", data={
        "csrf_token": page_token(client, "/news/queue"), "clause": "5"}).status_code == 303
    spanish = "Código de Conducta (predeterminado), 5. Cíñete al tema. Sin publicidad"
    for path in ("/news/log", track):
        assert spanish in text(client.get(path, headers=ES).text)
        english = text(client.get(path).text)
        assert "Code of Conduct (default), 5. Stay on topic. No advertising" in english
    write_conduct(engine, NOW)  # a published version is cited in its own words
    submit(client, title="Another")
    with engine.connect() as conn:
        other = max(conn.execute(select(_item.c.id)).scalars())
    assert client.post(f"/news/queue/{other}/reject", data={
        "csrf_token": page_token(client, "/news/queue"), "clause": "2"}).status_code == 303
    assert "Código de Conducta v1, 2. No harassment" in text(
        client.get("/news/log", headers=ES).text)


def test_the_edit_page_says_it_is_the_default_until_replaced(
        client: TestClient, engine: Engine) -> None:
    signed_in(client, "ada")
    page = client.get("/news/conduct/edit").text
    assert "This node uses the default Code of Conduct until you publish your own." in page
    box = re.search(r'<textarea id="conduct-markdown"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert box and "1. Respect people." in box.group(1) and "6. Nothing unlawful." in box.group(1)
    assert "Este nodo usa el Código de Conducta predeterminado" in client.get(
        "/news/conduct/edit", headers=ES).text
    write_conduct(engine, NOW)
    page = client.get("/news/conduct/edit").text
    assert "default Code of Conduct" not in page and "Now at version 1" in page
    public = text(client.get("/news/conduct").text)
    assert NOTE not in public and "Version 1" in public and "Respect people" not in public


def test_the_cli_shows_the_default_and_says_when_it_is_replaced(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    flags = cli_flags(database_url, tmp_path)
    assert run_cli(["user", "create", "ada", "--password-stdin"], flags, monkeypatch,
                   PASSWORD) == 0
    capsys.readouterr()
    assert run_cli(["news", "conduct", "show"], flags, monkeypatch) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == ("default Code of Conduct: in force until you publish your own "
                        "(ionode news conduct edit --file FILE)")
    assert "1. Respect people. No harassment, threats, personal attacks or calls to violence." \
        in shown
    assert "clause 6: Nothing unlawful. No material that may not be published where this " \
        "node operates." in shown
    mine = tmp_path / "conduct.md"
    mine.write_text(CONDUCT)
    assert run_cli(["news", "conduct", "edit", "--file", str(mine)], flags, monkeypatch) == 0
    assert capsys.readouterr().out == (
        "ionode: published version 1 of the conduct document at /news/conduct; it replaces "
        "the default Code of Conduct\n")
    assert run_cli(["news", "conduct", "show"], flags, monkeypatch) == 0
    assert capsys.readouterr().out.startswith("version 1, ")
