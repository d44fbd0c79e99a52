"""Article bodies: Markdown in, sanitised HTML out, for minutes and the hub's edits.

Minutes are ``Article`` objects (:mod:`node.hubs.minutes.rules`); the hub re-renders an
Article's text when it is edited (:func:`node.hubs.hub.items.edit_text`), so both use this
one renderer and one set of limits.

Content uses the node's one Mastodon-like allowlist, on purpose: a second allowlist
would have to follow every stored Article to every page that re-sanitises it. Instead
the Markdown renderer writes what the allowlist keeps: headings and tables are kept
(:mod:`node.text`), and an image becomes a link to it. Attachments are listed as links
at the end of the content.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from node.html import sanitize_html
from node.hubs.hub.publish import HubError
from node.messages import N_, Text
from node.text import TagLinks, markdown_renderer

if TYPE_CHECKING:  # markdown-it is imported by node.text.markdown_renderer when used
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

#: Misskey refuses inbox bodies over 64 KB; Announce{Create} carries the whole Article.
MAX_MARKDOWN = 20_000
MAX_HTML = 40_000


def _image(self: RendererHTML, tokens: Sequence[Token], idx: int,
           options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    src = html.escape(str(token.attrGet("src") or ""))
    label = html.escape(self.renderInlineAsText(token.children or [], options, env) or src)
    return f'<a href="{src}">{label}</a>'


def article_renderer(links: TagLinks | None = None) -> MarkdownIt:
    """The post renderer, writing images the way the allowlist keeps them (as links)."""
    renderer = markdown_renderer(links)
    renderer.add_render_rule("image", _image)
    return renderer


def article_html(markdown: str, attachments: Sequence[Mapping[str, Any]] = (),
                 links: TagLinks | None = None) -> str:
    """Rendered, sanitised body with the attachments listed as links."""
    text = markdown.strip()
    if not text:
        raise HubError(Text(N_("minutes need some text")))
    if len(text) > MAX_MARKDOWN:
        raise HubError(Text(
            N_("minutes may have at most %(MAX_MARKDOWN)s characters"),
            MAX_MARKDOWN=MAX_MARKDOWN))
    body = article_renderer(links).render(text)
    if attachments:
        items = "".join(f'<li><a href="{html.escape(str(a["href"]))}">'
                        f'{html.escape(str(a.get("name") or a["href"]))}</a></li>'
                        for a in attachments)
        body += f"<p>Attachments:</p><ul>{items}</ul>"
    cleaned = sanitize_html(body).strip()
    if len(cleaned) > MAX_HTML:
        raise HubError(Text(N_("these minutes are too long to federate; split them")))
    return cleaned
