"""Jinja2 half of :mod:`node.web.templating`: the node's template environment.

Imported when the first page is rendered (:class:`node.web.templating.TemplatesOnDemand`),
not at start: a node that has served no page holds neither jinja2 nor its compiled
templates (issue 7, item 1.14: idle memory).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from starlette.requests import Request

from node.media.proxy import proxied_url
from node.settings import Settings
from node.web import dates
from node.web.forms import form_token
from node.web.i18n import (
    DEFAULT_LOCALE,
    LANGUAGE_NAMES,
    available_locales,
    translations,
    translator,
)
from node.web.page_state import TEMPLATES, rendering, rendering_lang
from node.web.zone_choices import known_zone, zone_groups


@pass_context
def _csrf_token(context: Context) -> str:
    """``{{ csrf_token() }}`` in a form: the token the POST handler will check."""
    request = context["request"]
    assert isinstance(request, Request)
    return form_token(request)


def _translations(context: Context) -> Translations:
    request = context.get("request")
    if isinstance(request, Request):
        return translator(request)
    return rendering.get() or translations(DEFAULT_LOCALE)


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


def _local_time_in(default_zone: str) -> Callable[..., str]:
    """``{{ moment | local_time(zone) }}``: the instant in the page's language (Babel,
    :mod:`node.web.dates`), in ``zone`` (else the node's)."""

    @pass_context
    def local_time(context: Context, moment: datetime | None, zone: str | None = None) -> str:
        if moment is None:
            return ""
        lang = context.get("lang") or rendering_lang.get()  # macros without context
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
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext
    )
    env.globals["languages"] = [
        (code, LANGUAGE_NAMES.get(code, code)) for code in available_locales()
    ]
    env.globals["csrf_token"] = _csrf_token
    env.globals["node_name"] = settings.node_name  # pages get the live one from render
    env.globals["node_description"] = ""
    env.globals["node_host"] = settings.host
    env.globals["node_url"] = settings.url
    env.globals["zone_groups"] = zone_groups
    env.globals["known_zone"] = known_zone
    env.filters["iso"] = _iso
    # Remote images only through the node's signed proxy, never hot-linked (node.media.proxy)
    env.globals["proxied"] = partial(proxied_url, settings.secret_key, settings.url)
    env.filters["proxied"] = env.globals["proxied"]  # {{ actor.icon_url | proxied }}
    env.filters["local_time"] = _local_time_in(settings.timezone)
    return env
