"""The Jinja2 environment of one node and the ``render`` helper every HTML view uses.

The environment is built from settings by ``create_app`` and kept on
``app.state.jinja`` (no module-global environment, so two nodes in one process, as in
the tests, never share state). Autoescaping is always on; the only ``Markup`` a
template receives comes from :func:`node.web.markup.sanitized_markup`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse

from node.media.proxy import proxied_url
from node.runtime import node_of
from node.settings import Settings
from node.web import dates
from node.web.auth import current_login
from node.web.forms import finish_form_response, form_token
from node.web.i18n import (
    DEFAULT_LOCALE,
    LANGUAGE_NAMES,
    available_locales,
    locale_of,
    translated,
    translations,
    translator,
)
from node.web.live_profile import cached_profile, live_profile
from node.web.zone_choices import known_zone, zone_groups
from node.zones import shown_time

TEMPLATES = Path(__file__).parent / "templates"


@pass_context
def _csrf_token(context: Context) -> str:
    """``{{ csrf_token() }}`` in a form: the token the POST handler will check."""
    request = context["request"]
    assert isinstance(request, Request)
    return form_token(request)


# The language of the page being rendered, for macros imported without context (their
# context has no ``request``); set by :func:`render` around each rendering.
_rendering: ContextVar[Translations | None] = ContextVar("rendering", default=None)
_rendering_lang: ContextVar[str] = ContextVar("rendering_lang", default=DEFAULT_LOCALE)


def _translations(context: Context) -> Translations:
    request = context.get("request")
    if isinstance(request, Request):
        return translator(request)
    return _rendering.get() or translations(DEFAULT_LOCALE)


@pass_context
def _gettext(context: Context, message: str) -> str:
    """``{{ _("text") }}`` and ``{% trans %}``: the message in the request's language."""
    return _translations(context).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _translations(context).ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, msgctxt: str, message: str) -> str:
    return str(_translations(context).pgettext(msgctxt, message))


def _timestamp_in(default_zone: str) -> Callable[[datetime | None, str | None], str]:
    """``{{ moment | timestamp }}`` in the node's zone, ``| timestamp(hub_zone)`` in a
    hub's: a readable wall time with its zone (naive datetimes from SQLite are UTC)."""

    def timestamp(moment: datetime | None, zone: str | None = None) -> str:
        return shown_time(moment, zone or default_zone)

    return timestamp


def _local_time_in(default_zone: str) -> Callable[..., str]:
    """``{{ moment | local_time(zone) }}``: the instant in the page's language (Babel,
    :mod:`node.web.dates`), in ``zone`` (else the node's)."""

    @pass_context
    def local_time(context: Context, moment: datetime | None, zone: str | None = None) -> str:
        if moment is None:
            return ""
        lang = context.get("lang") or _rendering_lang.get()  # macros without context
        return dates.instant(moment, zone or default_zone, str(lang))

    return local_time


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
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext)
    env.globals["languages"] = [(code, LANGUAGE_NAMES.get(code, code))
                                for code in available_locales()]
    env.globals["csrf_token"] = _csrf_token
    env.globals["node_name"] = settings.node_name  # pages get the live one from render
    env.globals["node_description"] = ""
    env.globals["node_host"] = settings.host
    env.globals["node_url"] = settings.url
    env.globals["zone_groups"] = zone_groups
    env.globals["known_zone"] = known_zone
    env.filters["timestamp"] = _timestamp_in(settings.timezone)
    env.filters["iso"] = _iso
    # Remote images only through the node's signed proxy, never hot-linked (node.media.proxy)
    env.globals["proxied"] = partial(proxied_url, settings.secret_key, settings.url)
    env.filters["proxied"] = env.globals["proxied"]  # {{ actor.icon_url | proxied }}
    env.filters["local_time"] = _local_time_in(settings.timezone)
    return env


def environment_of(request: Request) -> Environment:
    """The environment on ``app.state.jinja``, built from the node's settings on first use
    when ``create_app`` did not put one there (pages then still render)."""
    env = getattr(request.app.state, "jinja", None)
    if not isinstance(env, Environment):
        env = build_environment(node_of(request).settings)
        request.app.state.jinja = env
    return env


MESSAGE_KEYS = ("error", "flash")


def _translate_messages(request: Request, values: dict[str, Any]) -> None:
    """The form error or flash a view passes, in the reader's language.

    Views and form checks raise and pass English sentences marked with ``N_`` (so they
    are extracted); they are looked up here, where the request's language is known. A
    sentence with values in it is a :class:`node.web.i18n.Text`; one that is not in the
    catalogue stays English.
    """
    t = translator(request)
    for key in MESSAGE_KEYS:
        message = values.get(key)
        if isinstance(message, str) and message:
            values[key] = translated(t, message)


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

    ``with_login=False`` skips the session lookup (error pages for database failures),
    and the node's name is then the last one read (:mod:`node.web.live_profile`).
    """
    login = await current_login(request) if with_login else None
    profile = await live_profile(request) if with_login else cached_profile(request)
    described = {"node_name": profile.name, "node_description": profile.description} \
        if profile else {}
    values = {"request": request, "login": login, "lang": locale_of(request),
              **described, **(context or {})}
    _translate_messages(request, values)
    active = _rendering.set(translator(request))
    active_lang = _rendering_lang.set(values["lang"])
    try:
        html = environment_of(request).get_template(name).render(values)
    finally:
        _rendering_lang.reset(active_lang)
        _rendering.reset(active)
    response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    finish_form_response(request, response, signed_in=login is not None)
    return response
