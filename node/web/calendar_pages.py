"""The calendar pages: a month grid and an agenda of a hub's or the node's calls and events.

* ``/hubs/{name}/calendar?month=YYYY-MM`` and ``/calendar``: the month grid, an HTML
  table (caption, ``<th scope="col">`` weekdays) that narrow screens read as a list.
* ``/hubs/{name}/agenda`` and ``/agenda``: upcoming items by day, ``?after=`` pages on
  (keyset: the last item's start and id, so a page costs the same wherever it is).

Times are shown in the hub's timezone (else the node's ``IONODE_TIMEZONE``), or in the
IANA zone of ``?tz=``, checked by :func:`node.zones.check_zone` like every zone the node
accepts; a zone or month the page cannot read is said on the page (HTTP 400), which
then shows the default. Each page links its iCalendar feed to subscribe to
(``webcal://`` and the plain address), and each item its "add to calendar" file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.activitypub.local_actors import USERNAME_RE
from node.hubs.events import schedule
from node.hubs.events.month import Month, MonthError, parse_month, weeks, window
from node.hubs.hub.publish import HubError, load_hub
from node.runtime import node_of
from node.web.calendar_view import Links, agenda_view, month_label, month_view, week_locale
from node.web.i18n import N_, Text, locale_of, translated, translator
from node.web.templating import render
from node.zones import ZoneError, check_zone, zone

AGENDA_PAGE = 50
BAD_ZONE = N_("%(given)s is not a timezone this node knows (use an IANA name such as "
              "Europe/Madrid or America/New_York): times are shown in %(shown)s.")
BAD_MONTH = N_("%(given)s is not a month (write it as YYYY-MM): this is the current month.")


@dataclass(frozen=True)
class Scope:
    """Whose calendar: a hub (its id and page) or the whole node (``hub_id`` None)."""

    hub_id: int | None
    title: str
    zone: str
    links: Links
    hub_url: str = ""


def _hub_scope(engine: Engine, name: str, node_url: str, default_zone: str) -> Scope | None:
    with engine.connect() as conn:
        try:
            target = load_hub(conn, name)
        except HubError:
            return None
    return Scope(hub_id=target.hub.id, title=target.actor.display_name or name,
                 zone=target.hub.timezone or default_zone,
                 links=Links(f"/hubs/{name}", node_url), hub_url=target.actor.uri)


async def _scope(request: Request) -> Scope:
    node = node_of(request)
    settings = node.settings
    name = request.path_params.get("name")
    if name is None:
        return Scope(None, settings.node_name or settings.host, settings.timezone,
                     Links("", settings.url))
    found = (await run_in_threadpool(_hub_scope, node.engine, name, settings.url,
                                     settings.timezone)
             if USERNAME_RE.fullmatch(name) else None)
    if found is None:
        raise HTTPException(404)
    return found


def _zone(request: Request, scope: Scope, problems: list[str]) -> tuple[str, dict[str, str]]:
    """The zone to show times in, and the query that keeps it in the page's links."""
    given = request.query_params.get("tz", "").strip()
    if not given:
        return scope.zone, {}
    try:
        return check_zone(given), {"tz": given}
    except ZoneError:
        problems.append(Text(BAD_ZONE, given=given[:80], shown=scope.zone))
        return scope.zone, {}


def _query(keep: dict[str, str], **more: str) -> str:
    values = {**more, **keep}
    return f"?{urlencode(values)}" if values else ""


def words(request: Request) -> dict[str, str]:
    """What every item repeats, translated once per page rather than once per item."""
    t = translator(request)
    return {"add": t.gettext(N_("Add to calendar")),
            "add_named": t.gettext(N_("Add to calendar: %(title)s")),
            "cancelled": t.gettext(N_("cancelled")), "continued": t.gettext(N_("continued:"))}


def _common(request: Request, scope: Scope, tz_name: str, keep: dict[str, str],
            problems: list[str]) -> dict[str, Any]:
    t = translator(request)
    return {"scope": scope, "links": scope.links, "zone": tz_name, "tz_given": keep.get("tz", ""),
            "problems": [translated(t, p) for p in problems], "words": words(request),
            "month_link": scope.links.month + _query(keep),
            "agenda_link": scope.links.agenda + _query(keep)}


def _between(engine: Engine, start: datetime, end: datetime, hub_id: int | None
             ) -> list[schedule.Entry]:
    with engine.connect() as conn:
        return schedule.between(conn, start, end, hub_id)


async def month_page(request: Request) -> Response:
    """The month grid of ``?month=`` (default: this month in the zone shown)."""
    scope, node = await _scope(request), node_of(request)
    problems: list[str] = []
    tz_name, keep = _zone(request, scope, problems)
    tz, lang = zone(tz_name), locale_of(request)
    today = node.clock().astimezone(tz).date()
    month = Month.of(today)
    if given := request.query_params.get("month", "").strip():
        try:
            month = parse_month(given)
        except MonthError:
            problems.append(Text(BAD_MONTH, given=given[:80]))
    locale = week_locale(lang, request.headers.get("accept-language"))
    grid = weeks(month, locale.first_week_day)
    start, end = window([d for week in grid for d in week], tz)
    entries = await run_in_threadpool(_between, node.engine, start, end, scope.hub_id)
    view = month_view(month, locale, lang, tz, today, entries, scope.links)
    context = _common(request, scope, tz_name, keep, problems) | {
        "month": view, "month_param": str(month),
        "previous": _month_link(scope, keep, month.previous, lang),
        "next": _month_link(scope, keep, month.next, lang)}
    return await render(request, "calendar.html", context, status=400 if problems else 200)


def _month_link(scope: Scope, keep: dict[str, str], month: Month, lang: str
                ) -> tuple[str, str] | None:
    """The link to a neighbouring month, None past the months the page reads."""
    if not month.readable:
        return None
    return scope.links.month + _query(keep, month=str(month)), month_label(month, lang)


def _upcoming(engine: Engine, now: datetime, after: schedule.Cursor | None,
              hub_id: int | None) -> tuple[list[schedule.Entry], schedule.Cursor | None]:
    with engine.connect() as conn:
        return schedule.upcoming(conn, now, after=after, limit=AGENDA_PAGE, hub_id=hub_id)


async def agenda_page(request: Request) -> Response:
    """Upcoming calls and events by day, a page at a time (``?after=`` the last one)."""
    scope, node = await _scope(request), node_of(request)
    problems: list[str] = []
    tz_name, keep = _zone(request, scope, problems)
    after = schedule.parse_cursor(request.query_params.get("after", ""))
    entries, more = await run_in_threadpool(_upcoming, node.engine, node.clock(), after,
                                            scope.hub_id)
    context = _common(request, scope, tz_name, keep, problems) | {
        "days": agenda_view(entries, locale_of(request), zone(tz_name), scope.links),
        "later": scope.links.agenda + _query(keep, after=str(more)) if more else "",
        "first_page": after is None}
    return await render(request, "agenda.html", context, status=400 if problems else 200)


def routes() -> list[BaseRoute]:
    return [
        Route("/calendar", month_page, methods=["GET"]),
        Route("/agenda", agenda_page, methods=["GET"]),
        Route("/hubs/{name}/calendar", month_page, methods=["GET"]),
        Route("/hubs/{name}/agenda", agenda_page, methods=["GET"]),
    ]
