"""The newswire's e-mail, rendered from ``templates/mail/<name>.txt`` (the plain-text
part, which also sets ``subject``) and ``<name>.html`` (the HTML part), in the
recipient's language: one Jinja environment per language, with that catalogue's
gettext installed, built on first use and kept (they are read-only afterwards).

The HTML part is autoescaped; the text part is not (it is not HTML). An HTML mail has
no stylesheet to link to, so its few styles are in a ``<style>`` element of its head;
mail is not a page, and the pages' CSP does not apply to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from node.services import RenderedMail
from node.settings import Settings
from node.web import dates
from node.web.i18n import DEFAULT_LOCALE, available_locales, translations
from node.web.templating import TEMPLATES

if TYPE_CHECKING:  # jinja2 loads with the first mail rendered (issue 7, 1.14)
    from jinja2 import Environment


class MailTemplates:
    """A :class:`node.services.MailRenderer` for one node."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._envs: dict[str, Environment] = {}

    def _env(self, lang: str) -> Environment:
        lang = lang if lang in available_locales() else DEFAULT_LOCALE
        env = self._envs.get(lang)
        if env is None:
            from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

            env = Environment(loader=FileSystemLoader(TEMPLATES / "mail"),
                              autoescape=select_autoescape(["html"], default=False),
                              undefined=StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
            env.policies["ext.i18n.trimmed"] = True
            env.install_gettext_translations(  # type: ignore[attr-defined]
                translations(lang), newstyle=True)
            zone = self.settings.timezone
            env.filters["day"] = lambda moment: dates.day(moment, zone, lang)
            env.globals.update(node_name=self.settings.node_name, node_url=self.settings.url,
                               lang=lang)
            self._envs[lang] = env
        return env

    def __call__(self, template: str, lang: str, context: Mapping[str, Any]) -> RenderedMail:
        text = self._env(lang).get_template(f"{template}.txt").make_module(
            dict(context))
        html = self._env(lang).get_template(f"{template}.html").render(context)
        subject = " ".join(str(getattr(text, "subject", "")).split())
        return RenderedMail(subject, str(text).strip() + "\n", html)
