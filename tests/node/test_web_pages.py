"""Public HTML pages: home, actor and object pages, error pages, headers, templates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from node.activitypub.local_actors import find_by_username
from node.activitypub.models import Follow, RemoteActor, StoredObject
from node.html import sanitize_html
from node.hubs.hub.models import Hub
from node.runtime import node_of
from node.settings import Settings
from node.web.pages import actor_page, object_page
from node.web.security import CONTENT_SECURITY_POLICY
from node.web.templating import TEMPLATES
from tests.conftest import NOW
from tests.node.web_support import MovableClock, add_organizer, login, web_app
from tests.node.web_support import add_actor as _add_actor

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
BASE = "https://philly.example"
_object = StoredObject.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


def add_actor(engine: Engine, username: str, kind: str = "person", **values: Any) -> int:
    prefix = {"person": "users", "group": "hubs", "service": "services"}[kind]
    return _add_actor(engine, username, kind, uri=f"{BASE}/{prefix}/{username}", **values)


def add_object(engine: Engine, n: int, author: str, *, public: bool = True, local: bool = True,
               deleted: bool = False, **document: Any) -> str:
    uri = f"{BASE}/objects/{n}"
    doc = {"id": uri, "type": "Note", "attributedTo": author, "content": f"<p>post {n}</p>",
           "to": [PUBLIC] if public else [f"{author}/followers"], **document}
    with engine.begin() as conn:
        conn.execute(insert(_object).values(
            uri=uri, type=doc["type"], attributed_to=author, local=local, document=doc,
            published=NOW + timedelta(minutes=n), received_at=NOW,
            deleted_at=NOW if deleted else None,
        ))
    return uri


async def _show_actor(request: Request) -> Response:
    with node_of(request).engine.connect() as conn:
        actor = find_by_username(conn, request.path_params["name"])
    assert actor is not None
    return await actor_page(request, actor)


async def _show_object(request: Request) -> Response:
    uri = f"{BASE}/objects/{request.path_params['n']}"
    with node_of(request).engine.connect() as conn:
        row = conn.execute(_object.select().where(_object.c.uri == uri)).one()
    return await object_page(request, StoredObject(**row._mapping))


async def _explode(request: Request) -> Response:
    raise RuntimeError("database password is hunter2")


@pytest.fixture
def app(settings: Settings) -> Starlette:
    app = web_app(settings, MovableClock(NOW))
    # The pages are reached through content negotiation elsewhere; test them directly too.
    app.router.routes.extend([
        Route("/_test/actor/{name}", _show_actor),
        Route("/_test/object/{n}", _show_object),
        Route("/_test/explode", _explode),
    ])
    return app


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False,
                    raise_server_exceptions=False) as c:
        c.headers["accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"
        yield c


def test_home_lists_listed_hubs_and_organizers(client: TestClient, engine: Engine) -> None:
    add_actor(engine, "portshutdown", kind="group", display_name="Port Shutdown")
    add_actor(engine, "nate", display_name="Nate <b>R</b>")
    add_actor(engine, "hidden", discoverable=False)
    add_actor(engine, "gone", deleted_at=NOW)
    page = client.get("/")
    assert page.status_code == 200
    assert "<title>Philly GA</title>" in page.text
    assert f'<a href="{BASE}/hubs/portshutdown">Port Shutdown</a>' in page.text
    assert f'<a href="{BASE}/users/nate">Nate &lt;b&gt;R&lt;/b&gt;</a>' in page.text
    assert "@nate@philly.example" in page.text
    assert "hidden" not in page.text
    assert "gone" not in page.text
    assert "ionode" not in re.sub(r"<footer.*</footer>", "", page.text, flags=re.S)
    assert 'href="/login"' in page.text


def test_home_says_who_is_signed_in(client: TestClient, engine: Engine) -> None:
    add_organizer(engine, "nate")
    login(client)
    page = client.get("/")
    assert "Signed in as" in page.text
    assert page.headers["cache-control"] == "private, no-store"


def test_actor_page_escapes_the_display_name(client: TestClient, engine: Engine) -> None:
    add_actor(engine, "nate", display_name="<script>alert('pwned')</script>")
    page = client.get("/_test/actor/nate")
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in page.text


def test_actor_summary_is_sanitised_again_when_shown(client: TestClient, engine: Engine) -> None:
    summary = ('<p>Dock <a href="https://ilwu.example/" onclick="steal()">union</a></p>'
               '<script>alert(1)</script><img src=x onerror="alert(2)">'
               '<a href="javascript:alert(3)">js</a>')
    add_actor(engine, "nate", summary=summary)
    page = client.get("/_test/actor/nate").text
    assert ('<p>Dock <a href="https://ilwu.example/" rel="nofollow noopener noreferrer">'
            "union</a></p>") in page
    for bad in ("<script", "onclick", "onerror", "alert", "javascript:", "<img"):
        assert bad not in page


def test_actor_page_shows_profile_followers_and_public_posts(
    client: TestClient, engine: Engine
) -> None:
    nate = f"{BASE}/users/nate"
    add_actor(engine, "nate", display_name="Nate")
    add_actor(engine, "joan")
    with engine.begin() as conn:
        for n, state in enumerate(["accepted", "accepted", "pending", "rejected"]):
            conn.execute(insert(_follow).values(
                follower=f"https://m.example/users/u{n}", following=nate, activity_id=f"f{n}",
                state=state, created_at=NOW, updated_at=NOW))
    for n in range(1, 23):
        add_object(engine, n, nate)
    add_object(engine, 30, nate, public=False, content="<p>followers only</p>")
    add_object(engine, 31, nate, deleted=True, content="<p>deleted</p>")
    add_object(engine, 32, nate, local=False, content="<p>remote copy</p>")
    add_object(engine, 33, f"{BASE}/users/joan", content="<p>by joan</p>")
    page = client.get("/_test/actor/nate").text
    assert "@nate@philly.example" in page
    assert "organizer" in page
    assert "2 followers" in page
    shown = [int(n) for n in re.findall(r"<p>post (\d+)</p>", page)]
    assert shown == list(range(22, 2, -1))  # newest first, 20 of them
    for hidden in ("followers only", "deleted", "remote copy", "by joan"):
        assert hidden not in page
    assert f'<link rel="alternate" type="application/activity+json" href="{nate}">' in page


def test_hub_page_is_the_dashboard(client: TestClient, engine: Engine) -> None:
    actor_id = add_actor(engine, "portshutdown", kind="group")
    with engine.begin() as conn:
        conn.execute(insert(Hub.__table__).values(  # type: ignore[attr-defined]
            actor_id=actor_id, follow_policy="open", posting_policy="members",
            region="West Coast", tags=["longshore"], links=[], created_at=NOW))
    page = client.get("/_test/actor/portshutdown").text
    assert '<span class="kind">hub</span>' in page
    assert "West Coast" in page and "#longshore" in page
    assert "0 followers" in page
    assert "Nothing scheduled." in page and "No updates yet." in page


def test_object_page_shows_a_sanitised_post(client: TestClient, engine: Engine) -> None:
    author = f"{BASE}/users/nate"
    add_actor(engine, "nate", display_name="Nate <i>")
    uri = add_object(engine, 7, author, type="Article", name="Minutes <script>x</script>",
                     content='<p onmouseover="x()">Agreed: <b>strike</b></p><script>1</script>')
    page = client.get("/_test/object/7")
    assert page.status_code == 200
    text = page.text
    assert f'<a href="{author}" rel="author">Nate &lt;i&gt;</a>' in text
    assert "@nate@philly.example" in text
    assert "<h1>Minutes &lt;script&gt;x&lt;/script&gt;</h1>" in text
    assert "<p>Agreed: <b>strike</b></p>" in text
    assert "onmouseover" not in text
    assert "<script" not in text
    assert ('<time datetime="2026-11-21T12:07:00+00:00">Sat, Nov 21, 12:07\u202fPM UTC</time>'
            in text)
    assert f'<a href="{uri}" type="application/activity+json">' in text
    assert f'<link rel="alternate" type="application/activity+json" href="{uri}">' in text


def test_object_page_names_a_cached_remote_author(client: TestClient, engine: Engine) -> None:
    ana = "https://mastodon.example/users/ana"
    with engine.begin() as conn:
        conn.execute(insert(_remote).values(
            uri=ana, host="mastodon.example", kind="Person", preferred_username="ana",
            display_name="Ana <script>", inbox=f"{ana}/inbox", fetched_at=NOW))
    add_object(engine, 8, ana, local=False)
    text = client.get("/_test/object/8").text
    assert "Ana &lt;script&gt;" in text
    assert "@ana@mastodon.example" in text


@pytest.mark.parametrize("kind", ["not public", "deleted"])
def test_object_page_is_one_plain_404_for_hidden_posts(
    client: TestClient, engine: Engine, kind: str
) -> None:
    add_actor(engine, "nate")
    add_object(engine, 9, f"{BASE}/users/nate", public=kind != "not public",
               deleted=kind == "deleted", content="<p>secret plans</p>")
    page = client.get("/_test/object/9")
    assert page.status_code == 404
    assert "secret plans" not in page.text
    assert "There is nothing here, or it is not public." in page.text


def test_browsers_get_the_actor_page_at_the_actor_url(
    client: TestClient, engine: Engine
) -> None:
    add_actor(engine, "nate", display_name="Nate")
    page = client.get("/users/nate")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Nate</h1>" in page.text


def test_every_html_response_carries_the_security_headers(
    client: TestClient, engine: Engine
) -> None:
    add_organizer(engine, "nate")
    add_object(engine, 1, f"{BASE}/users/nate")
    responses = [client.get(p) for p in ("/", "/login", "/_test/actor/nate", "/_test/object/1",
                                         "/no/such/page", "/_test/explode", "/logout")]
    responses.append(client.post("/login", data={"username": "x"}))  # 403 CSRF page
    login(client)
    responses.append(client.get("/account"))
    responses.append(client.get("/static/style.css"))
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404, 500, 405, 403,
                                                  200, 200]
    for response in responses:
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


def test_unexpected_errors_reveal_nothing(client: TestClient) -> None:
    page = client.get("/_test/explode")
    assert page.status_code == 500
    assert "hunter2" not in page.text
    assert "Traceback" not in page.text
    assert "Something went wrong" in page.text


def test_non_browsers_get_json_errors(client: TestClient) -> None:
    response = client.get("/no/such/page", headers={"accept": "application/activity+json"})
    assert response.status_code == 404
    assert response.json() == {"error": "There is nothing here, or it is not public."}


def test_wrong_method_is_a_405_page_with_allow(client: TestClient) -> None:
    response = client.get("/logout")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "Method not allowed" in response.text


def test_static_stylesheet_is_served_as_css(client: TestClient) -> None:
    response = client.get("/static/style.css")
    assert response.headers["content-type"].startswith("text/css")
    assert "max-width" in response.text


TEMPLATE_FILES = sorted(TEMPLATES.glob("*.html"))


def test_there_are_templates_to_scan() -> None:
    names = {p.name for p in TEMPLATE_FILES}
    expected = {"base.html", "home.html", "login.html", "actor.html", "object.html",
                "account.html", "error.html"}
    assert expected <= names


#: The only scripts pages may load: same-origin files (``script-src 'self'``) that make a
#: page better, on a page that works without them. The cross-post targets page refreshes
#: its status table live with one; without JavaScript its "Refresh" link does the same.
PROGRESSIVE_SCRIPT = re.compile(r'<script src="/static/(targets)\.js" defer></script>')


def test_each_progressive_script_exists_and_its_page_works_without_it() -> None:
    assert (TEMPLATES.parent / "static" / "targets.js").is_file()
    page = (TEMPLATES / "item_targets.html").read_text()
    assert 'href="{{ page_url }}"' in page and "Refresh" in page


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_templates_have_no_script_inline_handlers_or_unescaping(path: Path) -> None:
    source = path.read_text()
    scripts = re.findall(r"<\s*script\b[^>]*>.*?</script\s*>", source, re.I | re.S)
    assert len(scripts) == len(re.findall(r"<\s*script", source, re.I))
    assert all(PROGRESSIVE_SCRIPT.fullmatch(tag) for tag in scripts), (
        "no inline script (CSP); only a listed progressive enhancement by its URL")
    assert not re.search(r"\son[a-z]+\s*=", source, re.I), "no inline event handlers"
    assert not re.search(r"<\s*style|\sstyle\s*=", source, re.I), "no inline styles (CSP)"
    assert "javascript:" not in source.lower()
    assert not re.search(r"\|\s*safe\b|autoescape\s+false|Markup", source), (
        "only node.html marks HTML safe"
    )
    if path.name.startswith("_"):  # a macro library: nothing outside its macros
        rest = re.sub(r"{%-? macro .*?{%-? endmacro -?%}|{#.*?#}", "", source, flags=re.S)
        assert not rest.strip(), "a _partial.html holds only macros"
    elif path.name != "base.html":
        assert source.startswith('{% extends "base.html" %}')
    for form in re.findall(r"<form\b.*?</form>", source, re.S | re.I):
        if re.match(r'<form\b[^>]*\smethod="get"', form):  # reads only (the calendar's zone)
            assert "csrf_token()" not in form, "a token must not leak into a URL"
            continue
        assert 'method="post"' in form
        assert "csrf_token()" in form, "every form carries the CSRF token"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="https://a.example/" class="mention evil u-url">x</a>',
         '<a href="https://a.example/" class="mention u-url" '
         'rel="nofollow noopener noreferrer">x</a>'),
        ('<a href="/logout">x</a>', '<a rel="nofollow noopener noreferrer">x</a>'),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="nofollow noopener noreferrer">x</a>'),
        ('<a href="data:text/html,x">x</a>', '<a rel="nofollow noopener noreferrer">x</a>'),
        ('<a href="x" rel="opener">x</a>', '<a rel="nofollow noopener noreferrer">x</a>'),
        ("<script>alert(1)</script><style>p{}</style>ok", "ok"),
        ("<h1>Title</h1><img src=x><iframe src=x>in</iframe>", "Title"),
        ('<span class="invisible">https://</span><span style="x">a</span>',
         '<span class="invisible">https://</span><span>a</span>'),
        ("<p>a<br>b</p><ul><li>c</li></ul><pre><code>d</code></pre><del>e</del><s>f</s>",
         "<p>a<br>b</p><ul><li>c</li></ul><pre><code>d</code></pre><del>e</del><s>f</s>"),
        ("<blockquote><em>q</em> <strong>r</strong> <u>u</u></blockquote><!-- c -->",
         "<blockquote><em>q</em> <strong>r</strong> <u>u</u></blockquote>"),
        ("", ""),
    ],
)
def test_sanitize_html_keeps_mastodons_allowlist(html: str, expected: str) -> None:
    assert sanitize_html(html) == expected


def test_a_non_web_author_id_never_becomes_a_link(client: TestClient, engine: Engine) -> None:
    add_object(engine, 10, "javascript:alert(1)", local=False)
    text = client.get("/_test/object/10").text
    assert 'href="javascript:' not in text
    assert "<p>post 10</p>" in text
