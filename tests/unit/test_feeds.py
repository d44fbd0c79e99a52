"""Parsing outside feeds: RSS 2.0, Atom 1.0 and iCalendar fixtures; stable keys;
titles as plain text; summaries sanitised; links only http(s); hostile XML harmless."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.hubs.feeds.events import entry_spec
from node.hubs.feeds.publish import MAX_PUBLISH_PER_POLL, choose
from node.hubs.feeds.rules import (
    MAX_KEY,
    MAX_SUMMARY_TEXT,
    Entry,
    Feed,
    FeedError,
    parse_feed,
    summary_html,
    web_link,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "feeds"
RSS_URL = "https://occupyoakland.example/feed.xml"
ATOM_URL = "https://interoccupy.example/blog/feed.atom"
ICS_URL = "https://occupyoakland.example/calendar.ics"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def load(name: str, content_type: str, url: str) -> Feed:
    return parse_feed((FIXTURES / name).read_bytes(), content_type=content_type, url=url)


def by_title(feed: Feed) -> dict[str, Entry]:
    return {entry.title: entry for entry in feed.entries}


def rss_item(guid: str = "", link: str = "", title: str = "T",
             description: str = "d", date_: str = "Thu, 19 Nov 2026 09:00:00 +0000") -> bytes:
    parts = [f"<title>{title}</title>", f"<description>{description}</description>",
             f"<pubDate>{date_}</pubDate>" if date_ else ""]
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link:
        parts.append(f"<link>{link}</link>")
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>C</title><item>'
            + "".join(parts) + "</item></channel></rss>").encode()


def when(entry: Entry, feed: Feed | None = None) -> tuple[str, str, str]:
    """The Event a calendar entry becomes: its start and end as written in its zone
    (ISO 8601 with the offset), and that zone's IANA name."""
    spec = entry_spec(entry, feed or Feed(kind="calendar", title="", link=None,
                                          entries=(entry,)))
    return spec.start.isoformat(), spec.end.isoformat(), spec.timezone


def repeats(entry: Entry) -> str:
    """What the Event's description says of a recurring entry's rule."""
    text = entry_spec(entry, Feed(kind="calendar", title="", link=None, entries=())).description
    return next((line for line in text.split("\n\n") if line.startswith("Repeats")), "")


def only_entry(body: bytes) -> Entry:
    (entry,) = parse_feed(body, content_type="application/rss+xml", url=RSS_URL).entries
    return entry


# --- RSS 2.0 ---


def test_rss_feed_and_keys() -> None:
    feed = load("rss2.xml", "application/rss+xml; charset=utf-8", RSS_URL)
    assert (feed.kind, feed.title, feed.link) == (
        "news", "Occupy Oakland General Assembly", "https://occupyoakland.example/")
    keys = [entry.key for entry in feed.entries]
    assert keys[0] == "occupyoakland-post-412"  # the guid
    assert keys[1] == "https://occupyoakland.example/2026/11/foreclosure-defence"  # link
    assert keys[2].startswith("sha256:")  # neither: title and date hashed
    assert keys[3] == "occupyoakland-post-1"
    again = load("rss2.xml", "application/rss+xml", RSS_URL)
    assert [entry.key for entry in again.entries] == keys


def test_rss_titles_are_plain_text_and_dates_utc() -> None:
    first = load("rss2.xml", "application/rss+xml", RSS_URL).entries[0]
    assert first.title == "Port shutdown: December 12 & the West Coast"
    assert first.published == datetime(2026, 11, 21, 2, 30, tzinfo=UTC)  # -0800 read right
    assert first.kind == "feed" and first.starts_at is None


def test_rss_summary_is_sanitised() -> None:
    summary = load("rss2.xml", "application/rss+xml", RSS_URL).entries[0].summary
    assert "<strong>shut the ports</strong>" in summary
    for bad in ("<script", "alert", "javascript:", "onclick", "<img", "tracker.example"):
        assert bad not in summary
    # relative links are resolved against the feed's URL, and get rel=nofollow
    assert 'href="https://occupyoakland.example/minutes/412"' in summary
    assert 'rel="nofollow noopener noreferrer"' in summary


def test_rss_links_only_http() -> None:
    entries = load("rss2.xml", "application/rss+xml", RSS_URL).entries
    assert entries[0].link == "https://occupyoakland.example/2026/11/port-shutdown"
    assert entries[2].link is None  # no link at all
    assert entries[3].link is None  # javascript: dropped
    assert entries[1].summary == "<p>Bring a chair, bring a friend.</p>"


def test_hash_key_depends_on_title_and_date_only() -> None:
    base = only_entry(rss_item(title="Kitchen", description="one"))
    assert base.key.startswith("sha256:")
    assert only_entry(rss_item(title="Kitchen", description="two")).key == base.key
    assert only_entry(rss_item(title="Kitchen!", description="one")).key != base.key
    other_day = rss_item(title="Kitchen", date_="Fri, 20 Nov 2026 09:00:00 +0000")
    assert only_entry(other_day).key != base.key


def test_over_long_guid_is_hashed_to_fit_the_index() -> None:
    entry = only_entry(rss_item(guid="g" * 3000))
    assert entry.key.startswith("sha256:") and len(entry.key) <= MAX_KEY
    assert only_entry(rss_item(guid="g" * 3000)).key == entry.key


# --- Atom 1.0 ---


def test_atom_entries() -> None:
    feed = load("atom.xml", "application/atom+xml", ATOM_URL)
    assert (feed.kind, feed.title, feed.link) == (
        "news", "InterOccupy blog", "https://interoccupy.example/blog/")
    call, minutes, plain = feed.entries
    assert call.key == "tag:interoccupy.example,2026:post-77"
    assert call.title == "Hub call tonight"  # type="html" title: tags dropped
    assert call.link == "https://interoccupy.example/blog/posts/hub-call"  # xml:base
    assert call.summary == "<p>Dial in at 8pm ET.</p>"  # the iframe is gone
    assert minutes.summary == "<p>Twelve cities <em>reported in</em>.</p>"  # xhtml content
    assert minutes.published == datetime(2026, 11, 14, 8, 0, tzinfo=UTC)  # from <updated>
    assert plain.title == "Plain <title> text"  # type="text" kept literally
    assert plain.link is None  # feedparser offers the tag: id as link; not http(s)
    assert plain.summary == "<p>Less than &lt; more than &gt; and &quot;quotes&quot;.</p>"


# --- iCalendar ---


def test_calendar_events() -> None:
    feed = load("calendar.ics", "text/calendar; charset=utf-8", ICS_URL)
    assert (feed.kind, feed.title, feed.link) == ("calendar", "Occupy Oakland actions", ICS_URL)
    events = by_title(feed)
    assert "Cancelled rally" not in events
    shutdown = events["West Coast Port Shutdown"]
    assert shutdown.kind == "event"
    assert shutdown.key == "port-shutdown-2026@occupyoakland.example"
    assert shutdown.starts_at == datetime(2026, 12, 12, 13, 30, tzinfo=UTC)
    assert shutdown.ends_at == datetime(2026, 12, 12, 22, 0, tzinfo=UTC)
    assert when(shutdown) == ("2026-12-12T05:30:00-08:00", "2026-12-12T14:00:00-08:00",
                              "America/Los_Angeles")
    assert shutdown.location == "Port of Oakland, Berth 5"
    assert shutdown.link == "https://occupyoakland.example/actions/port-shutdown"
    assert "<script" not in shutdown.summary and "Bring water." in shutdown.summary
    assert "station.<br>Bring" in shutdown.summary


def test_calendar_all_day_recurring_and_relative_url() -> None:
    events = by_title(load("calendar.ics", "text/calendar", ICS_URL))
    teach_in = events["Teach-in on debt"]
    assert when(teach_in) == ("2026-12-05T00:00:00+00:00", "2026-12-06T00:00:00+00:00", "UTC")
    assert repeats(teach_in) == ""
    assert teach_in.link == "https://occupyoakland.example/actions/teach-in"
    assert teach_in.starts_at == datetime(2026, 12, 5, tzinfo=UTC)
    assembly = events["General Assembly"]
    assert when(assembly) == ("2026-11-25T19:00:00-08:00", "2026-11-25T21:00:00-08:00",
                              "America/Los_Angeles")
    assert repeats(assembly) == "Repeats weekly (see the source calendar)."
    assert assembly.ends_at == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # DURATION:PT2H
    assert when(events["October march"]) == ("2026-10-02T17:00:00+00:00",
                                             "2026-10-02T19:00:00+00:00", "UTC")


def test_calendar_recognised_by_its_body_and_moved_occurrence_keyed_apart() -> None:
    body = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:series@x\r\n"
            b"DTSTART:20261202T170000Z\r\nSUMMARY:Call\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n"
            b"BEGIN:VEVENT\r\nUID:series@x\r\nRECURRENCE-ID:20261209T170000Z\r\n"
            b"DTSTART:20261210T170000Z\r\nSUMMARY:Call (moved)\r\nEND:VEVENT\r\n"
            b"BEGIN:VEVENT\r\nUID:broken@x\r\nDTSTART:tomorrow\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    feed = parse_feed(body, content_type="application/octet-stream", url=ICS_URL)
    assert [e.key for e in feed.entries] == ["series@x", "series@x#20261209T170000Z"]


def calendar_entry(start: date | datetime, end: date | datetime | None, *, repeats: str = "",
                   timezone: str = "") -> Entry:
    return Entry(key="k", title="T", link=None, summary="", published=None, kind="event",
                 start=start, end=end, repeats=repeats, timezone=timezone)


def test_calendar_events_span_days_and_floating_times() -> None:
    # Past midnight into the next year, in the entry's zone.
    la = ZoneInfo("America/Los_Angeles")
    late = calendar_entry(datetime(2026, 12, 31, 22, 0, tzinfo=la),
                          datetime(2027, 1, 1, 2, 0, tzinfo=la), timezone="America/Los_Angeles")
    assert when(late) == ("2026-12-31T22:00:00-08:00", "2027-01-01T02:00:00-08:00",
                          "America/Los_Angeles")
    # All-day over several days: DTEND is exclusive (RFC 5545), so 5 to 8 December is
    # the 5th to the 7th; a monthly rule is said in the description.
    days = calendar_entry(date(2026, 12, 5), date(2026, 12, 8), repeats="MONTHLY")
    assert when(days) == ("2026-12-05T00:00:00+00:00", "2026-12-08T00:00:00+00:00", "UTC")
    assert repeats(days) == "Repeats monthly (see the source calendar)."
    # A floating time without an end or a zone: 09:00 as written, for the default length.
    floating = calendar_entry(datetime(2026, 12, 5, 9, 0), None)
    assert when(floating) == ("2026-12-05T09:00:00+00:00", "2026-12-05T10:00:00+00:00", "UTC")


# --- refusals and hostile input ---


@pytest.mark.parametrize(("body", "content_type", "message"), [
    (b"<!doctype html><html><body>Our site</body></html>", "text/html; charset=utf-8",
     "web page"),
    (b"<html><body>no feed here</body></html>", "application/xml", "not an RSS or Atom"),
    (b"\x00\xff garbage", "text/xml", "not an RSS or Atom"),
    (b"BEGIN:VCALENDAR\r\nthis is: not\r\n ical at all", "text/calendar", "not an iCalendar"),
])
def test_non_feeds_are_refused(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_feed(body, content_type=content_type, url=RSS_URL)


def test_a_body_naming_a_local_file_is_never_opened(tmp_path: Path) -> None:
    """feedparser opens a *string* as a path or URL; the body must be parsed, not opened."""
    local = tmp_path / "secret.xml"
    local.write_bytes(rss_item(guid="secret-entry"))
    with pytest.raises(FeedError):
        parse_feed(str(local).encode(), content_type="application/xml", url=RSS_URL)


def test_entity_declarations_are_refused_before_parsing() -> None:
    """Billion laughs: expat stops only after 8 MiB of expansion, about a second of CPU."""
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{laughs}]>'
            '<rss version="2.0"><channel><title>&l9;</title></channel></rss>')
    started = time.monotonic()
    for body in (bomb.encode(), bomb.encode("utf-16"), bomb.replace("ENTITY", "entity").encode()):
        with pytest.raises(FeedError, match="declares XML entities"):
            parse_feed(body, content_type="application/rss+xml", url=RSS_URL)
    assert time.monotonic() - started < 0.5


def test_external_entities_are_not_read() -> None:
    xxe = (b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "file:///etc/passwd">'
           b'<rss version="2.0"><channel><title>GA</title><item><title>a &x;</title>'
           b"<guid>g</guid></item></channel></rss>")
    (entry,) = parse_feed(xxe, content_type="application/rss+xml", url=RSS_URL).entries
    assert "root:" not in entry.title


def test_entities_in_content_are_not_mistaken_for_declarations() -> None:
    body = rss_item(guid="g", description="<![CDATA[<p>How <code>&lt;!ENTITY&gt;</code> works: "
                                          "<!ENTITY x 'y'></p>]]>")
    assert only_entry(body).key == "g"


def test_long_summary_becomes_cut_plain_text() -> None:
    long = "<p>" + "<em>word</em> " * 1000 + "</p>"
    summary = summary_html(long, is_html=True)
    assert summary.startswith("<p>word word") and "<em>" not in summary
    assert len(summary) <= MAX_SUMMARY_TEXT + len("<p></p>") + 2
    assert summary.endswith("…</p>")


@pytest.mark.parametrize(("value", "expected"), [
    ("https://a.example/x", "https://a.example/x"),
    ("/relative", "https://occupyoakland.example/relative"),
    ("javascript:alert(1)", None), ("data:text/html,x", None), ("ftp://a.example/f", None),
    ("mailto:ga@a.example", None), ("", None), (None, None), ("http://[bad/x", None),
    ("http:///no-host", None), ("https://a.example:99999/x", None),
])
def test_web_link(value: object, expected: str | None) -> None:
    assert web_link(value, RSS_URL) == expected


@given(st.text(max_size=300))
def test_plain_text_summaries_never_carry_markup(text: str) -> None:
    summary = summary_html(text, is_html=False)
    assert "<script" not in summary and "<a " not in summary
    assert summary == "" or summary.startswith("<p>")


@given(st.text(max_size=200))
def test_any_link_is_http_or_nothing(value: str) -> None:
    link = web_link(value, RSS_URL)
    assert link is None or link.startswith(("http://", "https://"))


# --- which new entries a poll publishes (node.hubs.feeds.publish.choose) ---


def news(count: int) -> tuple[Feed, list[Entry]]:
    entries = [Entry(key=f"k{i}", title=f"t{i}", link=None, summary="",
                     published=datetime(2026, 11, 1 + i, tzinfo=UTC)) for i in range(count)]
    return Feed(kind="news", title="", link=None, entries=tuple(entries)), entries


def keys(entries: list[Entry]) -> list[str]:
    return [entry.key for entry in entries]


def test_first_poll_publishes_the_newest_three_oldest_first() -> None:
    feed, entries = news(6)
    publish, skip = choose(feed, entries[::-1], first=True, now=NOW)
    assert keys(publish) == ["k3", "k4", "k5"] and keys(skip) == ["k2", "k1", "k0"]


def test_later_polls_publish_all_new_entries_up_to_the_flood_guard() -> None:
    feed, entries = news(4)
    assert keys(choose(feed, entries, first=False, now=NOW)[0]) == ["k0", "k1", "k2", "k3"]
    feed, entries = news(25)
    publish, skip = choose(feed, entries, first=False, now=NOW)
    assert len(publish) == MAX_PUBLISH_PER_POLL and keys(publish)[-1] == "k24"
    assert len(skip) == 15 and "k0" in keys(skip)


def test_calendars_publish_upcoming_events_soonest_first() -> None:
    feed = load("calendar.ics", "text/calendar", ICS_URL)
    publish, skip = choose(feed, list(feed.entries), first=True, now=NOW)
    assert [e.title for e in publish] == ["General Assembly", "Teach-in on debt",
                                          "West Coast Port Shutdown"]
    assert [e.title for e in skip] == ["October march"]  # over already
    later = choose(feed, list(feed.entries), first=False, now=datetime(2026, 12, 6, 12, tzinfo=UTC))
    assert [e.title for e in later[0]] == ["West Coast Port Shutdown"]
