"""The domain services' refusals on a Spanish page are Spanish, with their values filled
in; the command line and the English page keep the English sentence word for word."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from node.cli import main
from node.settings import Settings
from tests.conftest import NOW
from tests.node.admin_support import add_admin, invite_token, page_token, signed_in
from tests.node.hub_pages_support import BASE, HUB, Site
from tests.node.hub_settings_support import admin_site
from tests.node.web_support import MovableClock, form_token, web_app

ES = {"accept-language": "es"}


@pytest.fixture
def admin(settings: Settings) -> Iterator[Site]:
    """``nate``, the admin of the hub ``portshutdown``, signed in."""
    with admin_site(settings) as (site, _remote):
        site.person("nate", "admin")
        site.sign_in("nate")
        yield site


def test_a_taken_hub_name_is_refused_in_spanish_and_in_english(admin: Site) -> None:
    data = {"name": HUB, "title": "Otro", "summary": ""}
    spanish = admin.send("/hubs/new", data, **ES)
    assert spanish.status_code == 400
    assert "El nombre &#39;portshutdown&#39; ya está en uso en este nodo." in spanish.text
    english = admin.send("/hubs/new", data)
    assert "The name &#39;portshutdown&#39; is already taken on this node." in english.text


def test_the_last_admin_is_told_why_in_spanish(admin: Site) -> None:
    nate = f"{BASE}/users/nate"
    refused = admin.send(f"/hubs/{HUB}/members/remove", {"member": nate}, **ES)
    assert refused.status_code == 400
    assert (f"{nate} es la última persona administradora de {HUB}, que entonces ya no "
            f"podría gestionarse") in refused.text
    assert "is the last admin" not in refused.text


def test_a_refused_feed_is_described_in_spanish(admin: Site) -> None:
    bad = admin.send(f"/hubs/{HUB}/feeds/add", {"feed": "ftp://example.org/feed"}, **ES)
    assert bad.status_code == 400 and (
        "Un feed necesita una URL http(s) con un host, no &#39;ftp://example.org/feed&#39;."
        in bad.text)
    assert "A feed needs" not in bad.text


def test_a_refused_setting_names_its_field_in_spanish(admin: Site) -> None:
    settings = {"title": "Port Shutdown", "summary": "", "links": "Site=ftp://example.org",
                "tags": "", "region": "", "timezone": "", "follow_policy": "approval",
                "posting_policy": "moderated"}
    refused = admin.send(f"/hubs/{HUB}/settings", settings, **ES)
    assert refused.status_code == 400
    assert "El enlace &#39;Site&#39; debe ser una URL http(s) absoluta" in refused.text
    no_name = admin.send(f"/hubs/{HUB}/settings", {**settings, "links": "nothing"}, **ES)
    assert "Un enlace debe ser NOMBRE=URL, no &#39;nothing&#39;." in no_name.text
    zone = admin.send(f"/hubs/{HUB}/settings", {**settings, "links": "", "timezone": "Mars/X"},
                      **ES)
    assert "Zona horaria desconocida &#39;Mars/X&#39;: usa un nombre IANA" in zone.text


def test_an_event_at_a_time_the_clocks_skip_is_refused_in_spanish(admin: Site) -> None:
    form = {"title": "Rally", "start": "2027-03-14T02:30", "end": "2027-03-14T04:00",
            "timezone": "America/New_York", "place_name": "Plaza"}
    spanish = admin.send(f"/hubs/{HUB}/post/event", form, **ES)
    assert spanish.status_code == 400
    assert "no existe en America/New_York: los relojes se la saltan" in spanish.text
    english = admin.send(f"/hubs/{HUB}/post/event", form)
    assert "does not exist in America/New_York: the clocks skip it" in english.text


@pytest.fixture
def invite_app(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    add_admin(engine, "ada")
    with TestClient(web_app(settings, MovableClock(NOW)), base_url=BASE,
                    follow_redirects=False) as client:
        yield signed_in(client, "ada")


def test_an_invitee_s_taken_username_is_refused_in_spanish(invite_app: TestClient) -> None:
    made = invite_app.post("/admin/invites",
                           data={"csrf_token": page_token(invite_app, "/admin")})
    link = f"/invite/{invite_token(made.text)}"
    guest = TestClient(invite_app.app, base_url=BASE, follow_redirects=False)
    password = "a long new password"
    data = {"csrf_token": form_token(guest), "username": "ada", "display_name": "",
            "password": password, "password_again": password}
    spanish = guest.post(link, data=data, headers=ES)
    assert spanish.status_code == 400
    assert "El nombre &#39;ada&#39; ya está en uso en este nodo." in spanish.text
    english = guest.post(link, data=data)
    assert "The name &#39;ada&#39; is already taken on this node." in english.text


def test_the_command_line_keeps_the_english_sentence(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--url", BASE, "--database", database_url, "--data", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["hub", "create", "harbour", "--title", "Harbour", *flags]) == 0
    assert main(["hub", "create", "harbour", "--title", "Again", *flags]) == 1
    assert "the name 'harbour' is already taken on this node" in capsys.readouterr().err
