"""Parsing outside feeds (RSS, Atom, iCalendar) into entries a hub can republish.

Pure: bytes in, :class:`Feed` out, no I/O. The bytes were fetched by the safe fetcher
(SSRF guard, deadline, 1 MB cap); here they are treated as hostile:

* ``feedparser`` gets a file object, never a string: given a string it would open a
  URL or a *local file* of that name. It does not resolve external XML entities, and
  a document declaring entities ("billion laughs") is refused before parsing;
* every title becomes plain text and every summary goes through feedparser's
  sanitiser and then the node's own allowlist (:func:`node.html.sanitize_html`,
  SECURITY.md "Content"); long summaries are cut to plain text;
* links are kept only when they are absolute ``http(s)`` URLs (relative ones are
  resolved against the feed's URL first);
* each entry has a stable key: its guid/id (iCalendar: UID, plus RECURRENCE-ID), else
  its link, else a hash of its title and date.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from node.activitypub.fetch import parse_media_type
from node.html import sanitize_html
from node.messages import N_, Text

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml, "
               "application/xml, text/xml, text/calendar;q=0.9, */*;q=0.1")
# What real feeds are served as: the registered types, Debian's and Apache's
# ``application/x-rss+xml`` and older spellings, generic XML, iCalendar (RFC 5545).
DECLARED_FEED_TYPES = ("application/rss+xml", "application/x-rss+xml", "application/rss",
                       "application/atom+xml", "application/x-atom+xml",
                       "application/rdf+xml", "application/rss+rdf", "application/xml",
                       "text/xml", "text/calendar")
# Types that say nothing about the body (misconfigured servers): taken only when the body
# parses as a feed, like generic XML (parse_feed sniffs an iCalendar header, else
# feedparser must find RSS or Atom elements; anything else is FeedError).
SNIFFED_TYPES = ("text/plain", "application/octet-stream")
FEED_MEDIA_TYPES = (*DECLARED_FEED_TYPES, *SNIFFED_TYPES)
MAX_ENTRIES = 200  # entries read from one document; the rest are ignored
MAX_TITLE = 300
MAX_SUMMARY_TEXT = 1000  # longer summaries become plain text cut at this length
MAX_KEY = 500
MAX_LINK = 2000
_TAG = re.compile(r"<[^>]*>")
_ROOT = re.compile(rb"<[A-Za-z_]")
_SPACE = re.compile(r"\s+")
_BLOCKS = ("<p>", "<p ", "<ul", "<ol", "<blockquote", "<pre")


class FeedError(ValueError):
    """The document is not a feed ionode can read; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One feed entry or calendar event, cleaned; ``summary`` is sanitised HTML."""

    key: str
    title: str
    link: str | None
    summary: str
    published: datetime | None
    kind: str = "feed"  # feed | event
    start: date | datetime | None = None  # events, as written (in their timezone)
    end: date | datetime | None = None
    repeats: str = ""  # a recurring event's RRULE FREQ (DAILY, WEEKLY...)
    location: str = ""
    timezone: str = ""  # the IANA zone of an event's start, when it names one
    description: str = ""  # an event's DESCRIPTION as plain text, cut

    @property
    def starts_at(self) -> datetime | None:
        """The event's start in UTC (the hub's calendar index)."""
        return None if self.start is None else to_utc(self.start)

    @property
    def ends_at(self) -> datetime | None:
        """The event's end in UTC, when it has one."""
        return None if self.end is None else to_utc(self.end)


@dataclass(frozen=True)
class Feed:
    """A parsed document: ``kind`` is "news" (RSS/Atom) or "calendar" (iCalendar)."""

    kind: str
    title: str
    link: str | None
    entries: tuple[Entry, ...]
    cancelled: tuple[str, ...] = ()  # keys of events the calendar marks CANCELLED
    complete: bool = True  # every event was read: one absent from it was removed


def parse_feed(body: bytes, *, content_type: str, url: str) -> Feed:
    """Parse ``body`` fetched from ``url``; raise :class:`FeedError` if it is no feed."""
    kind = parse_media_type(content_type)[0]
    if kind == "text/calendar" or body.lstrip()[:15].upper() == b"BEGIN:VCALENDAR":
        return parse_calendar(body, url=url)
    if kind == "text/html":
        raise FeedError(Text(N_("the address serves a web page (text/html), not a feed")))
    return parse_news(body, content_type=content_type, url=url)


def plain_text(markup: str, limit: int = MAX_TITLE) -> str:
    """``markup`` as one line of plain text (tags dropped, entities decoded), cut."""
    text = html.unescape(_TAG.sub(" ", sanitize_html(markup)))
    return _cut(_SPACE.sub(" ", text).strip(), limit)


def web_link(value: object, base: str) -> str | None:
    """``value`` resolved against ``base`` if that gives an absolute http(s) URL."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        link = urljoin(base, value.strip())
        parts = urlsplit(link)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:  # "http://[bad", a port out of range...
        return None
    if parts.scheme not in ("http", "https") or not host or len(link) > MAX_LINK:
        return None
    return link


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def entry_key(*candidates: object, title: str, moment: object) -> str:
    """The first non-empty candidate (guid, link), else a hash of title and date.

    Keys longer than the index allows are hashed too; all keys are stable across polls.
    """
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            key = candidate.strip()
            return key if len(key) <= MAX_KEY else _hashed(key)
    return _hashed(title, moment)


def _hashed(*parts: object) -> str:
    joined = "\0".join("" if part is None else str(part) for part in parts)
    return "sha256:" + hashlib.sha256(joined.encode()).hexdigest()


def summary_html(value: str, *, is_html: bool) -> str:
    """Sanitised HTML for a summary; plain text is escaped, long ones cut to text."""
    if not value.strip():
        return ""
    markup = sanitize_html(value).strip() if is_html else _paragraphs(value)
    text = html.unescape(_SPACE.sub(" ", _TAG.sub(" ", markup))).strip()
    if len(text) > MAX_SUMMARY_TEXT:
        return f"<p>{html.escape(_cut(text, MAX_SUMMARY_TEXT))}</p>"
    if not text:
        return ""
    return markup if markup.startswith(_BLOCKS) else f"<p>{markup}</p>"


def _paragraphs(text: str) -> str:
    lines = [html.escape(line.strip()) for line in text.strip().splitlines()]
    return "<p>" + "<br>".join(line for line in lines if line) + "</p>"


# --- RSS and Atom (feedparser) -----------------------------------------------------


def parse_news(body: bytes, *, content_type: str, url: str) -> Feed:
    """RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through feedparser (its sanitiser on)."""
    if declares_entities(body):
        raise FeedError(Text(N_("the feed declares XML entities, which ionode refuses")))
    import feedparser  # here, not at start-up: only feed polling needs it

    parsed = feedparser.parse(
        io.BytesIO(body),  # never a str or bytes: feedparser would open it as a path
        response_headers={"content-location": url, "content-type": content_type},
        sanitize_html=True, resolve_relative_uris=True)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements"
        raise FeedError(Text(N_("not an RSS or Atom feed (%(reason)s)"), reason=reason))
    feed = parsed.feed
    entries = tuple(_news_entry(e, url) for e in parsed.entries[:MAX_ENTRIES])
    return Feed(kind="news", title=plain_text(feed.get("title", "")),
                link=web_link(feed.get("link"), url) or url, entries=entries)


def declares_entities(body: bytes) -> bool:
    """True when the XML prolog (before the root element) declares entities.

    Expat stops an entity-amplification attack only after 8 MiB of expansion, which
    feedparser then handles character by character (about a second of CPU per poll);
    no real feed declares entities, so such documents are refused before parsing.
    """
    probe = body.replace(b"\0", b"")  # UTF-16 and UTF-32 interleave NUL bytes
    root = _ROOT.search(probe)
    return b"<!entity" in probe[: root.start() if root else len(probe)].lower()


def _news_entry(entry: Any, base: str) -> Entry:
    title = _detail_text(entry, "title")
    link = web_link(entry.get("link"), base)
    published = _struct_time(entry.get("published_parsed") or entry.get("updated_parsed"))
    key = entry_key(entry.get("id"), link, title=title, moment=published)
    return Entry(key=key, title=title, link=link, summary=_news_summary(entry),
                 published=published)


def _detail_text(entry: Any, name: str) -> str:
    value = entry.get(name, "")
    detail = entry.get(f"{name}_detail") or {}
    if detail.get("type") == "text/plain":
        return _cut(_SPACE.sub(" ", value).strip(), MAX_TITLE)
    return plain_text(value)


def _news_summary(entry: Any) -> str:
    value, detail = entry.get("summary", ""), entry.get("summary_detail") or {}
    if not value and entry.get("content"):
        detail = entry.content[0]
        value = detail.get("value", "")
    return summary_html(value or "", is_html=detail.get("type") != "text/plain")


def _struct_time(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


# --- iCalendar (icalendar) ---------------------------------------------------------


def parse_calendar(body: bytes, *, url: str) -> Feed:
    """VEVENTs of an iCalendar document; cancelled events (STATUS:CANCELLED, RFC 5545
    section 3.8.1.11) are listed by key apart, unreadable ones are skipped."""
    import icalendar  # here, not at start-up: only feed polling needs it

    try:
        document = icalendar.Calendar.from_ical(body)
        found = document.walk("VEVENT")
    except Exception as exc:  # the parser raises many kinds on hostile input
        raise FeedError(Text(N_("not an iCalendar document (%(exc)s)"), exc=exc)) from exc
    read = [_event_entry(event, url) for event in found[:MAX_ENTRIES]]
    entries = tuple(e for e, cancelled in filter(None, read) if not cancelled)
    title = plain_text(str(document.get("X-WR-CALNAME", "")))
    return Feed(kind="calendar", title=title, link=url, entries=entries,
                cancelled=tuple(e.key for e, cancelled in filter(None, read) if cancelled),
                complete=len(found) <= MAX_ENTRIES and None not in read)


def _event_entry(event: Any, base: str) -> tuple[Entry, bool] | None:
    """The event and whether it is cancelled; None when it cannot be read."""
    try:
        start, end = event.start, _event_end(event)
        title = _line(event, "SUMMARY")
        rrule = event.get("RRULE")
        description = str(event.get("DESCRIPTION", ""))
        return Entry(
            key=entry_key(_event_uid(event), title=title, moment=start),
            title=title or "(untitled event)",
            link=web_link(str(event.get("URL", "")), base),
            summary=summary_html(description, is_html=False),
            published=_created(event), kind="event", start=start, end=end,
            repeats=str(rrule.get("FREQ", [""])[0]).upper() if rrule else "",
            location=_line(event, "LOCATION"),
            timezone=str(getattr(getattr(start, "tzinfo", None), "key", "") or ""),
            description=_lines(description),
        ), str(event.get("STATUS", "")).upper() == "CANCELLED"
    except Exception:  # one broken event must not hide the others
        return None


def _lines(text: str) -> str:
    """Plain text kept line by line (spaces collapsed), cut; rendered as Markdown and
    sanitised where it is shown, like any post."""
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return _cut("\n".join(line for line in lines if line), MAX_SUMMARY_TEXT)


def _line(event: Any, name: str) -> str:
    return _cut(_SPACE.sub(" ", str(event.get(name, ""))).strip(), MAX_TITLE)


def _event_uid(event: Any) -> str:
    """The UID; a moved occurrence of a series (RECURRENCE-ID) is its own entry."""
    uid, recurrence = str(event.get("UID", "")), event.get("RECURRENCE-ID")
    if uid and recurrence is not None:
        uid = f"{uid}#{recurrence.to_ical().decode()}"
    return uid


def _event_end(event: Any) -> date | datetime | None:
    try:
        end: date | datetime = event.end
    except Exception:  # no DTEND nor DURATION
        return None
    return end


def _created(event: Any) -> datetime | None:
    for name in ("CREATED", "DTSTAMP"):
        value = getattr(event.get(name), "dt", None)
        if isinstance(value, datetime):
            return to_utc(value)
    return None


def to_utc(value: date | datetime) -> datetime:
    """UTC for the index; a date is its midnight UTC, a floating time is read as UTC."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
