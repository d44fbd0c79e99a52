"""The Jinja2 environment of one node and the ``render`` helper every HTML view uses.

The environment is built from settings at the first page rendered (``create_app`` puts
a :class:`TemplatesOnDemand` on ``app.state.jinja``; no module-global environment, so
two nodes in one process, as in the tests, never share state). Autoescaping is always
on; the only ``Markup`` a template receives comes from
:func:`node.web.markup.sanitized_markup`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from node.runtime import node_of
from node.settings import Settings
from node.web.auth import current_login
from node.web.forms import finish_form_response
from node.web.i18n import locale_of, translated, translator
from node.web.live_profile import cached_profile, live_profile
from node.web.page_state import TEMPLATES, rendering, rendering_lang

if TYPE_CHECKING:  # jinja2 loads with the first page (node.web.jinja_env)
    from jinja2 import Environment

__all__ = ["TEMPLATES", "TemplatesOnDemand", "environment_of", "render"]

class TemplatesOnDemand:
    """The node's Jinja2 environment, built when the first page is rendered.

    jinja2 and the compiled templates cost an idle node ~2 MB (issue 7, item 1.14), so
    ``create_app`` puts this holder on ``app.state.jinja`` and
    :mod:`node.web.jinja_env` is imported at the first :func:`render`.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._environment: Environment | None = None

    def environment(self) -> Environment:
        if self._environment is None:
            from node.web.jinja_env import build_environment

            self._environment = build_environment(self.settings)
        return self._environment


def environment_of(request: Request) -> Environment:
    """The environment on ``app.state.jinja``, built from the node's settings on first use
    when ``create_app`` did not put one there (pages then still render)."""
    templates = getattr(request.app.state, "jinja", None)
    if not isinstance(templates, TemplatesOnDemand):
        templates = TemplatesOnDemand(node_of(request).settings)
        request.app.state.jinja = templates
    return templates.environment()


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
    active = rendering.set(translator(request))
    active_lang = rendering_lang.set(values["lang"])
    try:
        html = environment_of(request).get_template(name).render(values)
    finally:
        rendering_lang.reset(active_lang)
        rendering.reset(active)
    response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    finish_form_response(request, response, signed_in=login is not None)
    return response
