"""Page texts go through gettext (issue 8, item 8): the catalogues are complete and up
to date, and a Spanish reader gets Spanish pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.hubs.hub.service import create_hub
from node.settings import Settings
from node.web.catalogues import KEYWORDS
from node.web.i18n import LANG_COOKIE, LOCALES, available_locales
from node.web.templating import TEMPLATES
from tests.conftest import NOW
from tests.node.web_support import MovableClock, add_organizer, form_token, login, web_app

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://philly.example"
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"


def _catalog(locale: str | None) -> Catalog:
    path = LOCALES / "messages.pot" if locale is None else (
        LOCALES / locale / "LC_MESSAGES" / "messages.po")
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def _ids(catalog: Catalog) -> set[Any]:
    return {m.id for m in catalog if m.id}


def test_the_committed_pot_has_every_extracted_message() -> None:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, **KEYWORDS}
    found = extract_from_dir(ROOT, method_map, options_map, keywords=keywords)
    extracted = {(context, message if isinstance(message, str) else tuple(message))
                 for _, _, message, _, context in found}
    committed = {(m.context, m.id if isinstance(m.id, str) else tuple(m.id))
                 for m in _catalog(None) if m.id}
    assert extracted - committed == set(), "run `make messages` and translate the new entries"
    assert committed - extracted == set(), "run `make messages`: the .pot has stale entries"


@pytest.mark.parametrize("locale", ["en", "es"])
def test_each_catalogue_translates_every_message(locale: str) -> None:
    catalog = _catalog(locale)
    assert _ids(catalog) == _ids(_catalog(None))
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple | list) else [
            message.string]
        assert len(strings) == (catalog.num_plurals if message.pluralizable else 1), message.id
        assert all(strings), f"untranslated: {message.id!r}"
    assert not catalog.obsolete


def test_spanish_calls_a_poll_by_one_name() -> None:
    """The poll form is "Sondeo" and the manage page lists "Sondeos abiertos", but the
    hub page showed "ENCUESTAS ABIERTAS" and a refused poll spoke of "la encuesta": two
    words for one thing, to an organizer who just made a "sondeo"."""
    both = [m.id for m in _catalog("es") if m.id and any(
        "encuesta" in text.lower() for text in (
            m.string if isinstance(m.string, tuple | list) else [m.string]))]
    assert both == []


@pytest.mark.parametrize("locale", ["en", "es"])
def test_translations_keep_every_placeholder(locale: str) -> None:
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _catalog(locale).check()]
    assert problems == []
    for message in _catalog(locale):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(re.findall(r"%\(\w+\)[sd]", " ".join(ids)))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", string)) <= wanted, message.id


@pytest.mark.parametrize("locale", ["en", "es"])
def test_no_translation_holds_another_entrys_translation(locale: str) -> None:
    """What a bad merge of two branches' catalogues leaves: one msgstr with another
    entry's sentence glued on (the follow-requests page read "...on this hub's
    page.Other hubs, separated by spaces..." in English)."""
    singles = [m for m in _catalog(locale) if m.id and isinstance(m.string, str)]
    sentences = {m.id: m.string for m in singles if len(m.string) >= 40}
    glued = [(m.id, other) for m in singles for other, text in sentences.items()
             if other != m.id and len(m.string) > len(text) and m.string.endswith(text)
             and not m.id.endswith(other)]
    assert glued == []


def test_english_and_spanish_are_offered() -> None:
    assert available_locales() == ("en", "es")


class _Texts(HTMLParser):
    """Text nodes and the attributes people read, left after Jinja code is removed."""

    READ = {"alt", "title", "placeholder", "aria-label"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        self.found.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(v or "" for k, v in attrs if k in self.READ)


def _untranslated(template: str) -> list[str]:
    text = re.sub(r"\{#.*?#\}", "", template, flags=re.S)
    text = re.sub(r"\{%-?\s*trans\b.*?endtrans\s*-?%\}", "", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text, flags=re.S)
    parser = _Texts()
    parser.feed(text)
    # Text with no lower-case word is code or a format: FREQ=WEEKLY;COUNT=10, RRULE.
    return [t.strip() for t in parser.found if re.search(r"[a-z]{2}", t)]


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("**/*.html")), ids=lambda p: p.name)
def test_templates_have_no_text_outside_gettext(path: Path) -> None:
    allowed = {"ActivityPub"}  # a proper name
    assert [t for t in _untranslated(path.read_text()) if t not in allowed] == []


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Starlette:
    add_organizer(engine, "nate")
    with engine.begin() as conn:
        create_hub(conn, base_url=settings.url, name="portshutdown", title="Port Shutdown",
                   summary="Shut the ports", now=NOW)
    return web_app(settings, MovableClock(NOW))


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        c.headers["accept"] = BROWSER
        yield c


SPANISH = {
    "/": ["Organizadores", "para publicar"],
    "/login": ["Iniciar sesión", "Contraseña", "Nombre de usuario"],
    "/hubs/portshutdown": ["Próximamente", "Miembros", "Novedades"],
}
ENGLISH = {
    "/": ["Organizers", "to post"],
    "/login": ["Sign in", "Password", "Username"],
    "/hubs/portshutdown": ["Next up", "Members", "Updates"],
}


@pytest.mark.parametrize("path", sorted(SPANISH))
def test_accept_language_es_gets_spanish_pages(client: TestClient, path: str) -> None:
    page = client.get(path, headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
    for text in SPANISH[path]:
        assert text in page.text
    for text in ENGLISH[path]:
        assert text not in page.text


@pytest.mark.parametrize("path", sorted(ENGLISH))
def test_english_is_the_default(client: TestClient, path: str) -> None:
    page = client.get(path, headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in page.text
    for text in ENGLISH[path]:
        assert text in page.text


def test_the_footer_links_set_a_cookie_that_beats_accept_language(client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert '<a href="/language/es" lang="es" hreflang="es">Español</a>' in page.text
    chosen = client.get("/language/es", headers={"Referer": f"{BASE}/login?next=/account"})
    assert (chosen.status_code, chosen.headers["location"]) == (303, "/login?next=/account")
    cookie = chosen.headers["set-cookie"]
    assert f"{LANG_COOKIE}=es" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    again = client.get("/login", headers={"Accept-Language": "en"})
    assert '<html lang="es">' in again.text and "Contraseña" in again.text
    assert '<a href="/language/en" lang="en" hreflang="en">English</a>' in again.text


@pytest.mark.parametrize("referer", [None, "https://evil.example/x", f"{BASE}//evil.example"])
def test_the_way_back_never_leaves_the_node(client: TestClient, referer: str | None) -> None:
    headers = {} if referer is None else {"Referer": referer}
    assert client.get("/language/en", headers=headers).headers["location"] == "/"


def test_an_unknown_language_is_a_404(client: TestClient) -> None:
    assert client.get("/language/xx").status_code == 404


def test_form_errors_from_python_are_translated(client: TestClient) -> None:
    client.cookies.set(LANG_COOKIE, "es")
    page = login(client, password="wrong password!")
    assert page.status_code == 400
    assert "Usuario o contraseña incorrectos." in page.text


def test_error_pages_speak_the_readers_language(client: TestClient) -> None:
    page = client.get("/no/such/page", headers={"Accept-Language": "es"})
    assert page.status_code == 404
    assert "<h1>No encontrado</h1>" in page.text
    assert "Aquí no hay nada, o no es público." in page.text


def test_plural_forms_follow_the_count(client: TestClient) -> None:
    client.cookies.set(LANG_COOKIE, "es")
    for _ in range(5):
        login(client, password="wrong password!")
    limited = login(client)
    assert limited.status_code == 429
    assert "Puedes volver a intentarlo dentro de 15 minutos." in limited.text


def test_sentences_with_values_are_translated_with_their_values(client: TestClient) -> None:
    client.cookies.set(LANG_COOKIE, "es")
    assert login(client).status_code == 303
    refused = client.get("/hubs/portshutdown/manage")
    assert refused.status_code == 403
    assert "Solo quienes son miembros de Port Shutdown pueden gestionarlo" in refused.text
    token = form_token(client, "/account")
    too_long = client.post("/account/post", data={"csrf_token": token, "text": "x" * 5001})
    assert too_long.status_code == 400
    assert "como máximo 5000 caracteres (esta tiene 5001)" in too_long.text
    english = client.get("/hubs/portshutdown/manage", headers={"Accept": "*/*"})
    assert english.json() == {"error": "Only members of Port Shutdown can manage it or post "
                                       "into it here. Ask one of its admins to add you."}
