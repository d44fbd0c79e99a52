"""Hubs show times in their own timezone, by default the node's (issue 7, item 1.3).

``IONODE_TIMEZONE`` (IANA name, default UTC) is the node's; ``ionode hub set NAME
--timezone`` and the manage page's settings set a hub's; pages of the hub and of its
items show times in it. The zone is the hub's own business: no Update{Group} is sent.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from node.app import create_app
from node.cli import main
from node.hubs.hub.models import Hub
from node.hubs.hub.publish import HubError, load_hub
from node.hubs.hub.service import create_hub
from node.hubs.hub.settings import HubSettings, apply_settings
from node.hubs.updates.service import post_update
from node.settings import Settings, SettingsError
from node.zones import shown_time
from tests.conftest import NOW
from tests.node.hub_pages_support import BASE, HTML, HUB, MANAGE, Site, form_token

_hub = Hub.__table__  # type: ignore[attr-defined]


@pytest.mark.parametrize(("value", "expected"), [
    (None, "UTC"), ("", "UTC"), ("Europe/Madrid", "Europe/Madrid"),
    (" America/Sao_Paulo ", "America/Sao_Paulo"),
])
def test_the_node_timezone_comes_from_the_environment(value: str | None,
                                                      expected: str) -> None:
    env = {} if value is None else {"IONODE_TIMEZONE": value}
    assert Settings.from_env(env).timezone == expected


@pytest.mark.parametrize("value", ["Mars/Olympus", "europe/madrid", "../../etc/passwd",
                                   "/etc/localtime", "Europe"])
def test_an_unknown_node_timezone_is_refused_by_name(value: str) -> None:
    with pytest.raises(SettingsError, match=r"IONODE_TIMEZONE: unknown timezone .* IANA name"):
        Settings.from_env({"IONODE_TIMEZONE": value})


def test_times_are_shown_in_the_zone_with_its_name() -> None:
    moment = datetime(2026, 7, 1, 18, 15, tzinfo=UTC)
    assert shown_time(moment, "UTC") == "2026-07-01 18:15 UTC"
    assert shown_time(moment, "Europe/Madrid") == "2026-07-01 20:15 CEST"
    assert shown_time(moment.replace(tzinfo=None), "America/Chicago") == "2026-07-01 13:15 CDT"
    assert shown_time(moment, "America/Sao_Paulo") == (
        "2026-07-01 15:15 America/Sao_Paulo (UTC-03)")  # a zone without an abbreviation
    assert shown_time(None, "UTC") == ""


@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return ["--url", BASE, "--database", database_url, "--data", str(tmp_path)]


def run(args: list[str], flags: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return main([*args, *flags])


def test_hub_set_timezone_from_the_cli(flags: list[str], monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str],
                                       engine: Engine) -> None:
    def zone() -> str:
        with engine.connect() as conn:
            return str(conn.execute(select(_hub.c.timezone)).scalar_one())

    assert run(["hub", "create", HUB, "--title", "Port"], flags, monkeypatch) == 0
    assert zone() == ""  # follows the node's until set
    assert run(["hub", "set", HUB, "--timezone", "Europe/Madrid"], flags, monkeypatch) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"ionode: updated hub {HUB} (profile unchanged)")
    assert zone() == "Europe/Madrid"
    assert run(["hub", "set", HUB, "--timezone", "Madrid"], flags, monkeypatch) == 1
    assert capsys.readouterr().err.strip() == (
        "ionode: error: unknown timezone 'Madrid': use an IANA name such as Europe/Madrid, "
        "America/New_York or UTC")
    assert zone() == "Europe/Madrid"
    assert run(["hub", "set", HUB, "--timezone", ""], flags, monkeypatch) == 0
    assert zone() == ""


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    """A node whose own timezone is America/New_York, with a hub and its admin signed in."""
    node_settings = replace(settings, timezone="America/New_York")
    app = create_app(node_settings, clock=lambda: NOW, start_workers=False)
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        node = app.state.node
        with node.engine.begin() as conn:
            create_hub(conn, base_url=BASE, name=HUB, title="West Coast Port Shutdown", now=NOW)
        site = Site(client, node)
        site.person("nate", "admin")
        site.sign_in("nate")
        yield site


def published_time(html: str) -> str:
    found = re.search(r'<time datetime="2026-11-21T12:00:00\+00:00">([^<]+)</time>', html)
    assert found, "the item's time is on the page"
    return found.group(1)


def test_hub_pages_show_times_in_the_hubs_zone_else_the_nodes(site: Site) -> None:
    uri = site.run(lambda node, conn: post_update(node, conn, "nate", "Picket at berth 5",
                                                [HUB]).note["id"])
    item = uri.removeprefix(BASE)
    assert published_time(site.client.get(f"/hubs/{HUB}", headers=HTML).text) == (
        "Sat, Nov 21, 7:00\u202fAM EST")  # the node's zone: the hub has none of its own
    assert published_time(site.client.get(item, headers=HTML).text) == (
        "Sat, Nov 21, 7:00\u202fAM EST")
    site.run(lambda node, conn: apply_settings(node, conn, load_hub(conn, HUB),
                                               HubSettings(timezone="Europe/Madrid")))
    assert published_time(site.client.get(f"/hubs/{HUB}", headers=HTML).text) == (
        "Sat, Nov 21, 1:00\u202fPM CET")
    assert published_time(site.client.get(item, headers=HTML).text) == (
        "Sat, Nov 21, 1:00\u202fPM CET")


SETTINGS = f"/hubs/{HUB}/settings"


def test_an_admin_picks_the_timezone_on_the_settings_page(site: Site) -> None:
    page = site.client.get(SETTINGS).text
    assert "<option value=\"\" selected>This node's timezone (America/New_York)</option>" in page
    assert '<option value="Europe/Madrid">Europe/Madrid</option>' in page
    token = form_token(site.client, SETTINGS)
    form = {"csrf_token": token, "title": "Port Shutdown", "follow_policy": "open",
            "posting_policy": "members"}
    saved = site.client.post(SETTINGS, data={**form, "timezone": "Europe/Madrid"})
    assert saved.status_code == 303 and saved.headers["location"].startswith(SETTINGS)
    refused = site.client.post(SETTINGS, data={**form, "timezone": "Mars/Olympus"})
    assert refused.status_code == 400 and "Unknown timezone &#39;Mars/Olympus&#39;" in refused.text
    with site.node.engine.connect() as conn:
        assert conn.execute(select(_hub.c.timezone)).scalar_one() == "Europe/Madrid"
    assert '<option value="Europe/Madrid" selected>' in site.client.get(SETTINGS).text


def test_only_an_admin_changes_the_hub_settings(site: Site) -> None:
    site.person("mia", "moderator")
    site.sign_in("mia")
    assert SETTINGS not in site.client.get(MANAGE).text
    refused = site.client.post(SETTINGS, data={
        "csrf_token": form_token(site.client, MANAGE), "timezone": "Europe/Madrid"})
    assert refused.status_code == 403 and "Only the admins of" in refused.text
    with site.node.engine.connect() as conn:
        assert conn.execute(select(_hub.c.timezone)).scalar_one() == ""


def test_a_bad_hub_timezone_is_refused_and_nothing_changes(site: Site) -> None:
    with pytest.raises(HubError, match="unknown timezone 'Europe/Nowhere'"):
        site.run(lambda node, conn: apply_settings(node, conn, load_hub(conn, HUB),
                                                   HubSettings(timezone="Europe/Nowhere")))
    with site.node.engine.connect() as conn:
        assert conn.execute(select(_hub.c.timezone)).scalar_one() == ""
