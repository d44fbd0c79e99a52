"""/network/directory.atom and /network/directory.ics (issue 9 item 5): the directory's
hubs as Atom, most recently active first and paged by keyset (RFC 5005), and the
events and calls of the hubs that match, under the page's own search and filters."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import feedparser
import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from node.clock import Clock
from node.hubs.hub.models import Hub
from node.network.directory import heard_of, learn_group
from node.network.event_index import index_event
from node.network.models import NetworkHub
from node.settings import Settings
from node.web import network_directory_feeds
from tests.conftest import NOW
from tests.node.harness import Harness
from tests.node.hub_support import hub_node, post_rally
from tests.node.network_timeline_support import add_item

_local_hub = Hub.__table__  # type: ignore[attr-defined]
OAK, BERLIN = "oakland.example", "berlin.example"


def group(host: str, name: str, title: str, region: str, tags: list[str]) -> dict[str, Any]:
    uri = f"https://{host}/hubs/{name}"
    return {
        "id": uri,
        "type": "Group",
        "preferredUsername": name,
        "name": title,
        "summary": f"<p>{title} organises</p><script>alert(1)</script>",
        "url": uri,
        "location": {"type": "Place", "name": region},
        "tag": [{"type": "Hashtag", "name": f"#{t}"} for t in tags],
    }


def received(
    h: Harness, n: int, name: str, start: str, *, host: str, hub: str | None, **extra: Any
) -> str:
    """A network Event, stored and indexed as :mod:`node.network.receive` does."""
    fields = {"name": name, "startTime": start, **extra}
    uri = add_item(h.node.engine, n, NOW, host=host, hub=hub, kind="Event", **fields)
    with h.node.engine.begin() as conn:
        index_event(conn, uri, {"id": uri, "type": "Event", **fields}, hub=hub, origin_host=host)
    return uri


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        tenants, klima = f"https://{OAK}/hubs/tenants", f"https://{BERLIN}/hubs/klima"
        with harness.node.engine.begin() as conn:
            conn.execute(update(_local_hub).values(region="California", tags=["ports"]))
            learn_group(
                conn,
                group(OAK, "tenants", "Oakland Tenants", "California", ["housing"]),
                harness.now,
                followers=12,
            )
            learn_group(
                conn,
                group(BERLIN, "klima", "Klimastreik", "Berlin", ["climate"]),
                harness.now,
                followers=3,
            )
            heard_of(conn, tenants, harness.now - timedelta(days=2), harness.now)
            heard_of(conn, klima, harness.now - timedelta(days=1), harness.now)
        post_rally(harness)  # the local hub's: its last activity is now
        received(harness, 1, "Rent strike assembly", "2026-12-20T18:00:00Z", host=OAK, hub=tenants)
        received(harness, 2, "Climate camp", "2026-12-21T10:00:00Z", host=BERLIN, hub=klima)
        received(harness, 3, "Unaffiliated picnic", "2026-12-22T10:00:00Z", host=BERLIN, hub=None)
        yield harness


def atom(h: Harness, query: str = "") -> Any:
    response = h.client.get(f"/network/directory.atom{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def summaries(h: Harness, query: str = "") -> list[str]:
    response = h.client.get(f"/network/directory.ics{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return sorted(str(e["summary"]) for e in calendar.walk("VEVENT"))


def test_atom_lists_every_hub_most_recently_active_first(h: Harness) -> None:
    feed = atom(h)
    assert feed.feed.title.endswith("hub directory")
    assert [e.title for e in feed.entries] == [
        "West Coast Port Shutdown",
        "Klimastreik",
        "Oakland Tenants",
    ]
    tenants = feed.entries[2]
    assert tenants.id == f"https://{OAK}/hubs/tenants"
    assert tenants.link == f"https://{OAK}/hubs/tenants"
    assert [t.term for t in tenants.tags] == ["housing"]
    assert "@tenants@oakland.example" in tenants.summary and "California" in tenants.summary
    assert "Oakland Tenants organises" in tenants.content[0].value
    assert "script" not in tenants.content[0].value and "alert" not in tenants.content[0].value
    assert tenants.updated_parsed[:3] == (h.now - timedelta(days=2)).timetuple()[:3]
    assert [t.term for t in feed.entries[0].tags] == ["ports"]


def test_atom_honours_the_page_filters(h: Harness) -> None:
    assert [e.title for e in atom(h, "?tag=housing").entries] == ["Oakland Tenants"]
    assert [e.title for e in atom(h, "?region=california").entries] == [
        "West Coast Port Shutdown",
        "Oakland Tenants",
    ]
    assert [e.title for e in atom(h, f"?node={BERLIN}").entries] == ["Klimastreik"]
    assert [e.title for e in atom(h, "?q=organises&node=oakland.example").entries] == [
        "Oakland Tenants"
    ]
    feed = atom(h, "?tag=housing")
    assert any(
        link.rel == "self" and link.href.endswith("/network/directory.atom?tag=housing")
        for link in feed.feed.links
    )
    assert atom(h, "?q=%00").entries == []  # a filter that can match nothing
    assert h.client.get("/network/directory.atom?after=x").status_code == 400


def test_atom_reads_a_former_bare_id_cursor(h: Harness) -> None:
    """``?after=<hub id>`` (a link written before the cursors carried values) reads that
    hub's activity; a hub that is gone gives the first page."""
    hubs = NetworkHub.__table__  # type: ignore[attr-defined]
    assert len(atom(h).entries) == 3  # reading the feed lists this node's own hubs too
    with h.node.engine.connect() as conn:
        west = conn.execute(
            select(hubs.c.id).where(hubs.c.title == "West Coast Port Shutdown")
        ).scalar()
    assert west is not None
    after = atom(h, f"?after={west}")
    assert [e.title for e in after.entries] == ["Klimastreik", "Oakland Tenants"]
    gone = atom(h, "?after=987654321")
    assert gone.entries[0].title == "West Coast Port Shutdown"


def test_atom_pages_by_keyset_with_a_next_link(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network_directory_feeds, "FEED_SIZE", 2)
    first = atom(h)
    assert [e.title for e in first.entries] == ["West Coast Port Shutdown", "Klimastreik"]
    (next_url,) = [link.href for link in first.feed.links if link.rel == "next"]
    assert "after=" in next_url
    second = atom(h, "?" + html.unescape(next_url).split("?", 1)[1])
    assert [e.title for e in second.entries] == ["Oakland Tenants"]
    assert not [link for link in second.feed.links if link.rel == "next"]


def test_ics_holds_the_events_of_the_matching_hubs(h: Harness) -> None:
    assert summaries(h) == ["Climate camp", "Port shutdown rally", "Rent strike assembly"]
    assert summaries(h, "?tag=housing") == ["Rent strike assembly"]
    assert summaries(h, "?region=California") == ["Port shutdown rally", "Rent strike assembly"]
    assert summaries(h, "?node=philly.example") == ["Port shutdown rally"]
    assert summaries(h, "?q=klima") == ["Climate camp"]
    assert summaries(h, "?q=nothing-matches-this") == []
    assert summaries(h, "?q=%00") == []


def test_the_page_links_both_feeds_with_its_filters(h: Harness) -> None:
    page = h.client.get("/network/directory", params={"tag": "housing"}).text
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'href="/network/directory.atom?tag=housing"'
    ) in page
    assert (
        '<link rel="alternate" type="text/calendar" '
        'href="https://philly.example/network/directory.ics?tag=housing"'
    ) in page
    assert 'href="webcal://philly.example/network/directory.ics?tag=housing"' in page
    every = h.client.get("/network/directory").text
    assert 'href="webcal://philly.example/network/directory.ics"' in every


def test_control_characters_of_a_remote_hub_do_not_break_the_feed(h: Harness) -> None:
    """XML 1.0 forbids most C0 controls, which JSON and PostgreSQL text carry: one
    remote Group named with one made the whole directory feed unreadable."""
    bad = group("bad.example", "bad", "Bad\x01 hub\x1b", "Nowhere\x02", ["x\x08y"])
    bad["summary"] = "<p>mission\x07</p>"
    with h.node.engine.begin() as conn:
        learn_group(conn, bad, h.now)
    entry = next(e for e in atom(h).entries if e.id == "https://bad.example/hubs/bad")
    assert entry.title == "Bad hub" and [t.term for t in entry.tags] == ["xy"]


def test_control_characters_of_a_remote_event_stay_out_of_the_calendar(h: Harness) -> None:
    """RFC 5545 section 3.3.11: TEXT holds no CONTROL but HTAB (a newline is written
    ``\\n``). icalendar writes the rest raw, so one remote Event named with a C0 control
    (JSON and PostgreSQL text carry them) made every subscribed directory calendar
    unreadable. A bare CR is a line break written ``\\n``, never a line end."""
    tenants = f"https://{OAK}/hubs/tenants"
    received(
        h,
        9,
        "Rent\x01 strike\x1b \x7fdemo\x0b\x0c",
        "2026-12-23T18:00:00Z",
        host=OAK,
        hub=tenants,
        summary="At\x02 the\r park",
        location={"type": "Place", "name": "Park\x08\rSide", "address": "1\x1f Main St"},
    )
    body = h.client.get("/network/directory.ics").content
    lines = body.split(b"\r\n")
    assert lines[-1] == b""
    for line in lines:
        assert not any((b < 0x20 and b != 0x09) or b == 0x7F for b in line), line
        assert len(line) <= 75, line  # folded (section 3.1)
    assert "Rent strike demo" in summaries(h)


def test_a_remote_event_whose_url_holds_a_line_break_does_not_break_the_calendar(
    h: Harness,
) -> None:
    """icalendar refuses a URI with CR or LF (a ValueError): a remote Event whose
    ``url`` held one was left out of every calendar (its page is then its id)."""
    tenants = f"https://{OAK}/hubs/tenants"
    received(
        h,
        10,
        "Tenants' picket",
        "2026-12-24T18:00:00Z",
        host=OAK,
        hub=tenants,
        url="https://oakland.example/e/1\r\nATTENDEE:mailto:x@evil.example",
    )
    response = h.client.get("/network/directory.ics")
    assert response.status_code == 200
    assert b"ATTENDEE" not in response.content.replace(b"\r\n ", b"")
    assert "Tenants' picket" in summaries(h)
    (picket,) = [
        e
        for e in Calendar.from_ical(response.content).walk("VEVENT")
        if e["summary"] == "Tenants' picket"
    ]
    assert str(picket["url"]).startswith("https://oakland.example/")
    assert "ATTENDEE" not in str(picket["url"])
