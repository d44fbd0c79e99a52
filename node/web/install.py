"""Wire the web layer into an app: templates, security headers, error pages.

``create_app`` calls :func:`install_web` once; it is idempotent so tests may call it
on an app that already has it.
"""

from __future__ import annotations

from starlette.applications import Starlette

from node.settings import Settings
from node.web.errors import exception_handlers
from node.web.security import SecurityHeadersMiddleware
from node.web.server_errors import ServerErrorPages
from node.web.templating import TemplatesOnDemand


def install_web(app: Starlette, settings: Settings) -> None:
    """Put the (lazily built) Jinja2 environment on ``app.state.jinja``, add middleware
    and handlers."""
    if getattr(app.state, "web_installed", False):
        return
    app.state.web_installed = True
    app.state.jinja = TemplatesOnDemand(settings)
    app.add_middleware(ServerErrorPages)  # inside the headers: its 500 page gets them
    app.add_middleware(SecurityHeadersMiddleware)
    for key, handler in exception_handlers().items():
        app.add_exception_handler(key, handler)
