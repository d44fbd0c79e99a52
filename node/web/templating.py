"""The Jinja2 environment of one node and the ``render`` helper every HTML view uses.

The environment is built from settings by ``create_app`` and kept on
``app.state.jinja`` (no module-global environment, so two nodes in one process, as in
the tests, never share state). Autoescaping is always on; the only ``Markup`` a
template receives comes from :func:`node.web.sanitize.sanitized_markup`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse

from node.runtime import node_of
from node.settings import Settings
from node.web.auth import current_login
from node.web.forms import finish_form_response, form_token
from node.web.i18n import LANGUAGE_NAMES, available_locales, locale_of, translator
from node.zones import shown_time

TEMPLATES = Path(__file__).parent / "templates"


@pass_context
def _csrf_token(context: Context) -> str:
    """``{{ csrf_token() }}`` in a form: the token the POST handler will check."""
    request = context["request"]
    assert isinstance(request, Request)
    return form_token(request)


@pass_context
def _gettext(context: Context, message: str) -> str:
    """``{{ _("text") }}`` and ``{% trans %}``: the message in the request's language."""
    return translator(context["request"]).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translator(context["request"]).ngettext(singular, plural, n)


def _timestamp_in(default_zone: str) -> Callable[[datetime | None, str | None], str]:
    """``{{ moment | timestamp }}`` in the node's zone, ``| timestamp(hub_zone)`` in a
    hub's: a readable wall time with its zone (naive datetimes from SQLite are UTC)."""

    def timestamp(moment: datetime | None, zone: str | None = None) -> str:
        return shown_time(moment, zone or default_zone)

    return timestamp


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat()


def build_environment(settings: Settings) -> Environment:
    """The node's template environment: autoescape on, undefined names are errors."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=settings.is_loopback,
        extensions=["jinja2.ext.i18n"],
    )
    # Whitespace inside {% trans %} is collapsed, in extraction (babel.cfg) as here.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["languages"] = [(code, LANGUAGE_NAMES.get(code, code))
                                for code in available_locales()]
    env.globals["csrf_token"] = _csrf_token
    env.globals["node_name"] = settings.node_name
    env.globals["node_host"] = settings.host
    env.globals["node_url"] = settings.url
    env.filters["timestamp"] = _timestamp_in(settings.timezone)
    env.filters["iso"] = _iso
    return env


def environment_of(request: Request) -> Environment:
    """The environment on ``app.state.jinja``, built from the node's settings on first use
    when ``create_app`` did not put one there (pages then still render)."""
    env = getattr(request.app.state, "jinja", None)
    if not isinstance(env, Environment):
        env = build_environment(node_of(request).settings)
        request.app.state.jinja = env
    return env


async def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    with_login: bool = True,
) -> HTMLResponse:
    """Render template ``name`` with the signed-in organizer (if any) in the context.

    ``with_login=False`` skips the session lookup (error pages for database failures).
    """
    login = await current_login(request) if with_login else None
    values = {"request": request, "login": login, "lang": locale_of(request),
              **(context or {})}
    html = environment_of(request).get_template(name).render(values)
    response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    finish_form_response(request, response, signed_in=login is not None)
    return response
