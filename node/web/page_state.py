"""What :mod:`node.web.templating` and :mod:`node.web.jinja_env` share: where the
templates are, and the language of the page being rendered.

A module of its own so that ``templating`` (imported by every view) can load
``jinja_env`` (and jinja2) at the first page without the two importing each other.
"""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from node.web.i18n import DEFAULT_LOCALE

if TYPE_CHECKING:
    from babel.support import Translations

TEMPLATES = Path(__file__).parent / "templates"


# The language of the page being rendered, for macros imported without context (their
# context has no ``request``); set by :func:`render` around each rendering.
rendering: ContextVar[Translations | None] = ContextVar("rendering", default=None)
rendering_lang: ContextVar[str] = ContextVar("rendering_lang", default=DEFAULT_LOCALE)
