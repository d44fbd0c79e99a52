"""The newswire's pages: the public form (refusals store nothing, rate limit, honeypot,
CSRF), tracking links, the queue's authorisation, rejections citing a clause, the
public log (no contact, no moderator name), Code of Conduct versions, pagination."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.newswire.models import NewsItem, NewsLogEntry, NewsSubmitAttempt
from node.newswire.submissions.rules import MAX_BODY
from node.newswire.submissions.service import SUBMIT_LIMIT
from node.settings import Settings
from tests.conftest import NOW
from tests.node.admin_support import add_admin, page_token, signed_in
from tests.node.newswire_support import (
    CONDUCT,
    NEWS,
    make_moderator,
    submit,
    tracking_path,
    write_conduct,
)
from tests.node.web_support import MovableClock, add_organizer, web_app

BASE = "https://philly.example"
_item = NewsItem.__table__  # type: ignore[attr-defined]
_log = NewsLogEntry.__table__  # type: ignore[attr-defined]
_attempt = NewsSubmitAttempt.__table__  # type: ignore[attr-defined]


@pytest.fixture
def movable() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def app(settings: Settings, movable: MovableClock, engine: Engine) -> Starlette:
    add_admin(engine, "ada")
    add_organizer(engine, "mo")
    add_organizer(engine, "nate")
    make_moderator(engine, "mo", NOW)
    return web_app(settings, movable)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield c


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(_item)).scalar_one())


def only_item(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(_item.c.id)).scalar_one())


def moderate(client: TestClient, item_id: int, action: str, **data: str) -> int:
    token = page_token(client, "/news/queue")
    answer = client.post(f"/news/queue/{item_id}/{action}", data={"csrf_token": token, **data})
    return answer.status_code


def test_the_form_is_labelled_and_has_a_hidden_honeypot(client: TestClient) -> None:
    page = client.get("/news/submit")
    assert page.status_code == 200
    for name in ("title", "body", "links", "source_url", "submitter_name", "contact_email",
                 "website"):
        assert f'<label for="{name}">' in page.text
    assert 'class="news-trap"' in page.text and 'tabindex="-1"' in page.text


@pytest.mark.parametrize(("fields", "refusal"), [
    ({"website": "http://spam.example"}, "the last field must stay empty"),
    ({"body": "x" * (MAX_BODY + 1)}, "The text may have at most 10000 characters"),
    ({"body": "Hello <script>alert(1)</script>"}, "Script tags are not allowed"),
    ({"title": "<SCRIPT src=//evil.example>"}, "Script tags are not allowed"),
    ({"title": "   "}, "News needs a title"),
    ({"links": "javascript:alert(1)"}, "Each link must be a web address"),
    ({"source_url": "ftp://example.org/x"}, "The source must be a web address"),
    ({"contact_email": "not an address"}, "The contact e-mail address is not valid"),
])
def test_bad_input_is_refused_clearly_and_stores_nothing(
    client: TestClient, engine: Engine, fields: dict[str, str], refusal: str
) -> None:
    answer = submit(client, **fields)
    assert answer.status_code == 400
    assert refusal in answer.text
    assert 'aria-describedby="submit-error"' in answer.text
    assert 'value="Rosa"' in answer.text  # what was typed is kept
    assert stored(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(_attempt)).scalar_one() == 0


def test_a_refusal_reads_as_a_sentence_in_the_readers_language(client: TestClient) -> None:
    """The form showed the newswire's refusal as a fragment ('cada enlace debe ser una
    dirección web que empiece por https:// o http://'), unlike every other form."""
    token = page_token(client, "/news/submit")
    answer = client.post("/news/submit", data={"csrf_token": token, **NEWS, "website": "",
                                              "links": "not a link"},
                         headers={"Accept-Language": "es"})
    assert answer.status_code == 400
    assert ('role="alert">Cada enlace debe ser una dirección web que empiece por https:// o '
            'http://.</p>') in answer.text


def test_markdown_is_rendered_and_sanitised(client: TestClient, engine: Engine) -> None:
    body = "[click](javascript:alert(1)) and <img src=x onerror=alert(1)> **bold**"
    tracking_path(submit(client, body=body))
    signed_in(client, "mo")
    assert moderate(client, only_item(engine), "approve", title="T", body=body) == 303
    with engine.connect() as conn:
        uri = conn.execute(select(_item.c.object_uri)).scalar_one()
    article = client.get(uri, headers={"Accept": "application/activity+json"}).json()
    assert "<strong>bold</strong>" in article["content"]
    assert 'href="javascript' not in article["content"] and "<img" not in article["content"]
    assert "<img" not in client.get("/news").text


def test_a_flood_from_one_address_is_refused_after_the_limit(
    client: TestClient, engine: Engine, movable: MovableClock
) -> None:
    for _ in range(SUBMIT_LIMIT):
        tracking_path(submit(client))
    refused = submit(client)
    assert refused.status_code == 429
    assert "Too many submissions from your address" in refused.text
    assert stored(engine) == SUBMIT_LIMIT
    movable.advance(hours=1, seconds=1)
    tracking_path(submit(client))


def test_the_tracking_link_shows_each_state_and_only_its_hash_is_stored(
    client: TestClient, engine: Engine, movable: MovableClock
) -> None:
    write_conduct(engine, NOW)
    track = tracking_path(submit(client))
    token = track.rsplit("/", 1)[1]
    first = client.get(track + "?new=1")
    assert "Waiting for a moderator." in first.text and token in first.text
    assert first.headers["cache-control"] == "private, no-store"
    with engine.connect() as conn:
        assert token not in str(conn.execute(select(_item)).one())
    assert client.get("/news/track/not-a-real-token").status_code == 404
    signed_in(client, "mo")
    assert moderate(client, only_item(engine), "reject", clause="3", note="An advert") == 303
    page = client.get(track).text
    assert "Rejected, citing:" in page and "Code of Conduct v1, 3. No advertising." in page


def test_a_rejection_must_cite_a_real_clause_and_is_logged_without_the_contact(
    client: TestClient, engine: Engine
) -> None:
    submit(client)
    signed_in(client, "mo")
    item_id = only_item(engine)
    # a new node has the default Code of Conduct, which has no clause 99
    assert moderate(client, item_id, "reject", clause="99") == 400
    write_conduct(engine, NOW)
    refused = client.post(f"/news/queue/{item_id}/reject",
                          data={"csrf_token": page_token(client, "/news/queue"),
                                "clause": "9", "note": "kept note"})
    assert refused.status_code == 400 and "no such clause" in refused.text
    assert 'value="kept note"' in refused.text
    assert moderate(client, item_id, "reject", clause="2", note="Names a person") == 303
    with engine.connect() as conn:
        entry = conn.execute(select(_log)).one()
    assert entry.action == "rejected" and entry.role == "moderator"
    assert entry.clause == "Code of Conduct v1, 2. No harassment, no doxxing."
    log = client.get("/news/log").text
    assert "No harassment, no doxxing." in log and "a news moderator" in log
    assert "rosa@example.net" not in log and "@mo" not in log
    assert moderate(client, item_id, "approve", title="x", body="y") == 400  # decided


def test_the_queue_is_for_admins_and_news_moderators_only(
    client: TestClient, engine: Engine
) -> None:
    submit(client)
    item_id = only_item(engine)
    assert client.get("/news/queue").headers["location"] == "/login?next=/news/queue"
    nate = signed_in(client, "nate")
    assert nate.get("/news/queue").status_code == 403
    assert 'href="/news/queue"' not in nate.get("/news").text
    token = page_token(nate, "/account")
    for path in (f"/news/queue/{item_id}/approve", f"/news/queue/{item_id}/reject",
                 "/news/conduct/edit"):
        assert nate.post(path, data={"csrf_token": token, "title": "t", "body": "b",
                                     "clause": "1", "markdown": "x"}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    mo = signed_in(client, "mo")
    assert 'href="/news/queue"' in mo.get("/news").text
    page = mo.get("/news/queue")
    assert page.status_code == 200 and NEWS["title"] in page.text
    assert "rosa@example.net" in page.text  # moderators may write to the submitter
    assert mo.get("/news/conduct/edit").status_code == 403  # admins edit the conduct
    with engine.connect() as conn:
        assert conn.execute(select(_item.c.state)).scalar_one() == "waiting"


def test_forms_without_the_csrf_token_are_refused(client: TestClient, engine: Engine) -> None:
    refused = client.post("/news/submit", data={**NEWS, "website": ""})
    assert refused.status_code == 403 and stored(engine) == 0
    submit(client)
    signed_in(client, "mo")
    item_id = only_item(engine)
    assert client.post(f"/news/queue/{item_id}/approve",
                       data={"title": "t", "body": "b"}).status_code == 403
    assert client.post(f"/news/queue/{item_id}/reject",
                       data={"csrf_token": "forged", "clause": "1"}).status_code == 403
    with engine.connect() as conn:
        assert conn.execute(select(_item.c.state)).scalar_one() == "waiting"


def test_the_code_of_conduct_keeps_every_version(client: TestClient) -> None:
    admin = signed_in(client, "ada")

    def publish(text: str) -> int:
        token = page_token(admin, "/news/conduct/edit")
        return admin.post("/news/conduct/edit", data={
            "csrf_token": token, "document": "conduct", "markdown": text}).status_code

    assert publish(CONDUCT) == 303
    assert publish(CONDUCT + "4. Cite your sources.\n") == 303
    assert publish(CONDUCT + "4. Cite your sources.\n") == 400  # unchanged
    page = client.get("/news/conduct").text
    assert "Version 2" in page and "Cite your sources." in page
    assert "/news/conduct?document=conduct&amp;version=1" in page
    first = client.get("/news/conduct?document=conduct&version=1").text
    assert "No advertising." in first and "Cite your sources." not in first
    assert client.get("/news/conduct?document=conduct&version=7").status_code == 404
    token = page_token(admin, "/news/conduct/edit")
    principles = admin.post("/news/conduct/edit", data={
        "csrf_token": token, "document": "accountability",
        "markdown": "Moderators answer to the assembly."})
    assert principles.status_code == 303
    assert "Moderators answer to the assembly." in client.get("/news/conduct").text


def test_the_front_page_pages_through_approved_news_newest_first(
    client: TestClient, engine: Engine, movable: MovableClock
) -> None:
    signed_in(client, "ada")
    for number in range(23):
        movable.advance(hours=2)  # past the per-address limit's window
        tracking_path(submit(client, title=f"News number {number}"))
        assert moderate(client, only_waiting(engine), "approve",
                        title=f"News number {number}", body="text") == 303
    first = client.get("/news")
    assert first.status_code == 200
    assert first.text.index("News number 22") < first.text.index("News number 21")
    assert "News number 2<" not in first.text
    older = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(older.replace("&amp;", "&")).text
    assert "News number 2<" in second and "News number 0<" in second
    assert "News number 22" not in second and 'rel="next"' not in second
    assert client.get("/news?before=abc").status_code == 400
    assert client.get("/news?before=3~x").status_code == 400
    # a former link's bare entry id reads that entry's place; a gone one, the first page
    with engine.connect() as conn:
        third = conn.execute(select(_item.c.id).where(_item.c.title == "News number 3")).scalar()
    former = client.get(f"/news?before={third}")
    assert former.status_code == 200
    assert "News number 2<" in former.text and "News number 0<" in former.text
    assert "News number 3<" not in former.text and "News number 4<" not in former.text
    gone = client.get("/news?before=987654321")
    assert gone.status_code == 200 and "News number 22" in gone.text


def test_older_news_is_right_when_the_boundary_entry_was_taken_down(
    client: TestClient, engine: Engine, movable: MovableClock
) -> None:
    """The cursor carries the last entry's decision time and id: with that entry gone,
    "Older news" still goes on after it (it named the row, and went back to page 1)."""
    signed_in(client, "ada")
    for number in range(22):
        movable.advance(hours=2)
        tracking_path(submit(client, title=f"News number {number}"))
        assert moderate(client, only_waiting(engine), "approve",
                        title=f"News number {number}", body="text") == 303
    first = client.get("/news").text
    assert "News number 2<" in first and "News number 1<" not in first
    older = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    with engine.begin() as conn:  # the last entry shown is taken down
        conn.execute(_item.update().where(_item.c.title == "News number 2")
                     .values(state="removed"))
    second = client.get(older.replace("&amp;", "&")).text
    assert "News number 1<" in second and "News number 0<" in second
    assert "News number 21" not in second and "News number 2<" not in second


def only_waiting(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(_item.c.id).where(_item.c.state == "waiting"))
                   .scalar_one())


def test_approving_unchanged_text_is_no_edit_whatever_the_line_ends(
    client: TestClient, engine: Engine
) -> None:
    tracking_path(submit(client, body="line one\nline two"))
    signed_in(client, "mo")
    assert moderate(client, only_item(engine), "approve", title=NEWS["title"],
                    body="line one\r\nline two") == 303
    with engine.connect() as conn:
        assert conn.execute(select(_log.c.action)).scalars().all() == ["approved"]
        assert conn.execute(select(_item.c.edited)).scalar_one() is False


def test_an_id_of_other_digits_is_not_found(client: TestClient, engine: Engine) -> None:
    """An id of "²" passes ``str.isdigit`` and fails ``int``: the queue answered a 500."""
    submit(client)
    item_id = only_item(engine)
    mo = signed_in(client, "mo")
    token = page_token(mo, "/news/queue")
    for path in ("/news/queue/%C2%B2/approve", "/news/reports/%C2%B2"):
        answer = mo.post(path, data={"csrf_token": token, "title": "t", "body": "b"})
        assert answer.status_code == 404, (path, answer.status_code)
    merged = mo.post(f"/news/queue/{item_id}/merge", data={"csrf_token": token, "into": "²"})
    assert merged.status_code == 400


def test_a_refused_decision_beside_other_news_is_shown_not_a_server_error(
    client: TestClient, engine: Engine
) -> None:
    """With two items waiting, each has a "Duplicate of" list; a refused approval or
    rejection re-shows the queue, which read the merge form's typed choice even when
    none was typed: a 500 instead of the refusal."""
    submit(client)
    submit(client, title="Second story")
    signed_in(client, "mo")
    with engine.connect() as conn:
        first = min(conn.execute(select(_item.c.id)).scalars())
    token = page_token(client, "/news/queue")
    refused = client.post(f"/news/queue/{first}/reject",
                          data={"csrf_token": token, "clause": "", "note": "kept note"},
                          headers={"Accept-Language": "es"})
    assert refused.status_code == 400
    assert "Un rechazo debe citar una cláusula del Código de Conducta." in refused.text
    assert 'value="kept note"' in refused.text
    empty = client.post(f"/news/queue/{first}/approve",
                        data={"csrf_token": token, "title": "", "body": "y"})
    assert empty.status_code == 400 and 'role="alert"' in empty.text
    with engine.connect() as conn:
        assert set(conn.execute(select(_item.c.state)).scalars()) == {"waiting"}


@pytest.mark.parametrize(("path", "spanish"), [
    ("/news?before=abc", "su «before» no es donde empieza un enlace «Noticias anteriores»"),
    ("/news/log?before=abc", "su «before» debe ser un número positivo"),
    ("/network?before=abc", "su «before» no es donde empieza un enlace «Anteriores»"),
    ("/network/directory?after=nope", "su «after» no es donde empieza un enlace «Más hubs»"),
])
def test_a_broken_page_link_is_explained_in_the_reader_s_language(
        client: TestClient, path: str, spanish: str) -> None:
    # "before must be a positive number" came in English on every page
    response = client.get(path, headers={"accept-language": "es", "accept": "text/html"})
    assert response.status_code == 400
    assert f"Este enlace está roto: {spanish}." in response.text
