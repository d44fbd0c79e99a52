"""``/network/calendar`` and ``/network/agenda``: the movement's calls and actions.

Issue 9 item 5: the upcoming events and calls of every followed node, hub and source,
and of this node's own hubs (:mod:`node.web.network_calendar_data`), as a month grid
and an agenda, drawn by the hub calendars' views (:mod:`node.web.calendar_view`).
Times are in the reader's timezone: ``?tz=``, else the signed-in reader's own, else
the node's. Filters (``node``, ``hub``, ``kind``, ``tag``, ``region``) are GET
parameters kept by every link, the subscription included; a filter nothing can match
gives an empty calendar, never an error. Each agenda item shows what its source said
(place, online link, status, join mode and the rest, :mod:`node.network.event_facts`)
and links to the original; every item has its "add to calendar" file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.hubs.events import schedule
from node.hubs.events.month import Month, MonthError, parse_month, weeks, window
from node.network.calendar import KINDS, Filters
from node.runtime import node_of
from node.web.auth import current_login, reader_zone
from node.web.calendar_pages import BAD_MONTH, BAD_ZONE, words
from node.web.calendar_view import Links, agenda_view, month_label, week_locale
from node.web.hub_admin_views import reading
from node.web.i18n import N_, Text, locale_of, translated, translator
from node.web.network_calendar_data import agenda_entries, month_entries
from node.web.network_calendar_view import capped_month
from node.web.templating import render
from node.zones import ZoneError, check_zone, zone

AGENDA_PAGE = 50
LIMITS = {"node": 255, "hub": 1024, "kind": 16, "tag": 200, "region": 200}
KIND_NAMES = {"event": N_("Events"), "call": N_("Calls")}


@dataclass(frozen=True)
class NetworkLinks(Links):
    """The network calendar's pages and files, each keeping the reader's filters."""

    query: str = ""  # "?node=...&tag=..." or ""

    @property
    def month(self) -> str:
        return "/network/calendar"

    @property
    def agenda(self) -> str:
        return "/network/agenda"

    @property
    def feed(self) -> str:
        return f"{self.node_url}/network/calendar.ics{self.query}"

    def file(self, uri: str) -> str:
        """Our own events' file, else the network's (which also serves an event a remote
        member posted in one of our hubs)."""
        prefix = f"{self.node_url}/objects/"
        if uri.startswith(prefix) and "/" not in uri[len(prefix):]:
            return f"/events/{uri[len(prefix):]}.ics"
        return f"/network/calendar/event.ics?id={quote(uri, safe='')}"


def filters_of(request: Request) -> Filters | None:
    """The reader's filters; None when one can match nothing (too long, control
    characters, a kind that is not one)."""
    values = {name: request.query_params.get(name, "").strip() for name in LIMITS}
    if any(len(v) > LIMITS[k] or not v.isprintable() for k, v in values.items()):
        return None
    if values["kind"] and values["kind"] not in KINDS:
        return None
    return Filters(node=values["node"].lower(), hub=values["hub"], kind=values["kind"],
                   tag=values["tag"].lstrip("#"), region=values["region"])


def _zone(request: Request, fallback: str, problems: list[str]) -> tuple[str, dict[str, str]]:
    given = request.query_params.get("tz", "").strip()
    if not given:
        return fallback, {}
    try:
        return check_zone(given), {"tz": given}
    except ZoneError:
        problems.append(Text(BAD_ZONE, given=given[:80], shown=fallback))
        return fallback, {}


async def _setting(request: Request) -> dict[str, Any]:
    """What both views share: filters, zone, links, the page's words."""
    node = node_of(request)
    problems: list[str] = []
    reader = reader_zone(await current_login(request))
    tz_name, keep = _zone(request, reader or node.settings.timezone, problems)
    filters = filters_of(request)
    shown = filters or Filters()
    query = urlencode(shown.query())
    links = NetworkLinks("/network", node.settings.url, f"?{query}" if query else "")
    both = urlencode({**shown.query(), **keep})
    t = translator(request)
    return {"filters": filters, "shown": shown, "zone": tz_name, "keep": keep,
            "links": links, "problems": problems, "words": words(request),
            "kinds": KIND_NAMES, "filtered": filters is None or bool(query),
            "month_link": links.month + (f"?{both}" if both else ""),
            "agenda_link": links.agenda + (f"?{both}" if both else ""),
            "translate": lambda p: translated(t, p)}


def _link(base: str, *parts: dict[str, str]) -> str:
    values: dict[str, str] = {}
    for part in parts:
        values.update(part)
    return base + (f"?{urlencode(values)}" if values else "")


async def month_page(request: Request) -> Response:
    """The month grid of ``?month=`` (default: this month in the zone shown)."""
    node, page = node_of(request), await _setting(request)
    tz, lang = zone(page["zone"]), locale_of(request)
    today = node.clock().astimezone(tz).date()
    month = Month.of(today)
    if given := request.query_params.get("month", "").strip():
        try:
            month = parse_month(given)
        except MonthError:
            page["problems"].append(Text(BAD_MONTH, given=given[:80]))
    locale = week_locale(lang, request.headers.get("accept-language"))
    grid = weeks(month, locale.first_week_day)
    start, end = window([d for week in grid for d in week], tz)
    filters, host = page["filters"], node.settings.host
    entries = (await reading(request, lambda n, conn: month_entries(
        conn, start, end, filters, host)) if filters is not None else [])
    kept = {**page["shown"].query(), **page["keep"]}
    neighbours = [(_link("/network/calendar", kept, {"month": str(m)}), month_label(m, lang))
                  if m.readable else None for m in (month.previous, month.next)]
    view, more = capped_month(month, locale, lang, tz, today, entries, page["links"],
                              lambda cursor: _link("/network/agenda", kept, {"after": cursor}))
    context = page | {
        "month": view, "more": more, "month_param": str(month),
        "previous": neighbours[0], "next": neighbours[1],
        "problems": [page["translate"](p) for p in page["problems"]]}
    return await render(request, "network_calendar.html", context,
                        status=400 if page["problems"] else 200)


async def agenda_page(request: Request) -> Response:
    """Upcoming events and calls by day, with what each source said of them."""
    node, page = node_of(request), await _setting(request)
    after = schedule.parse_cursor(request.query_params.get("after", ""))
    filters, host, now = page["filters"], node.settings.host, node.clock()
    found = (await reading(request, lambda n, conn: agenda_entries(
        conn, now, filters, host, after, AGENDA_PAGE)) if filters is not None else None)
    entries = found.entries if found else []
    kept = {**page["shown"].query(), **page["keep"]}
    context = page | {
        "days": agenda_view(entries, locale_of(request), zone(page["zone"]), page["links"]),
        "origins": {page["links"].file(uri): origin
                    for uri, origin in (found.origins.items() if found else ())},
        "later": _link("/network/agenda", kept, {"after": str(found.more)})
        if found and found.more else "",
        "first_page": after is None,
        "problems": [page["translate"](p) for p in page["problems"]]}
    return await render(request, "network_agenda.html", context,
                        status=400 if page["problems"] else 200)


def routes() -> list[BaseRoute]:
    return [Route("/network/calendar", month_page, methods=["GET"]),
            Route("/network/agenda", agenda_page, methods=["GET"])]
