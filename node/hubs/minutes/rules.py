"""Minutes and reports: Markdown in, an ``Article`` out (ARCHITECTURE.md section 3).

Mastodon turns an Article into ``<h2>name</h2>`` + ``summary`` + a link to ``url`` and
shows nothing of ``content`` (``ActivityPub::Parser::StatusParser#processed_text`` for
its converted types), so ``name``, ``summary`` and ``url`` carry what a Mastodon reader
needs. ``summary`` is HTML by definition (AS2 Vocabulary), so the plain summary is
escaped. ``content`` is for FEP-1b12 receivers and our own pages.

Content uses the node's one Mastodon-like allowlist, on purpose: a second allowlist
would have to follow every stored Article to every page that re-sanitises it. Instead
the Markdown renderer writes what the allowlist keeps: headings and tables are kept
(:mod:`node.text`), and an image becomes a link to it.
Attachments are ``Link`` objects (AS2 Vocabulary: ``href``, ``name``, ``mediaType``),
also listed as links at the end of ``content``; Mastodon skips attachments that have no
``url``, so they cannot turn into broken media there.
"""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from node.html import sanitize_html
from node.hubs.hub.publish import HubError
from node.hubs.hub.settings import one_line, web_url
from node.messages import N_, Text
from node.text import TagLinks, markdown_renderer

if TYPE_CHECKING:  # markdown-it is imported by node.text.markdown_renderer when used
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

MAX_TITLE = 200
MAX_SUMMARY = 500
#: Misskey refuses inbox bodies over 64 KB; Announce{Create} carries the whole Article.
MAX_MARKDOWN = 20_000
MAX_HTML = 40_000
MAX_ATTACHMENTS = 20


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


def attachment(name: str, url: str) -> dict[str, str]:
    """An attachment as an AS2 ``Link``; ``mediaType`` when the extension tells it."""
    label = one_line(name, Text(N_("an attachment name")), MAX_TITLE)
    if not label:
        raise HubError(Text(N_("an attachment needs a name (NAME=URL)")))
    what = Text(N_("attachment %(name)s"), name=repr(label))
    link = {"type": "Link", "href": web_url(url, what), "name": label}
    media_type, _ = mimetypes.MimeTypes().guess_type(link["href"])
    if media_type:
        link["mediaType"] = media_type
    return link


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


def plain_summary(summary: str) -> str:
    """A short plain-text summary, escaped for the HTML ``summary`` field."""
    text = " ".join(summary.split())
    if len(text) > MAX_SUMMARY:
        raise HubError(Text(
            N_("a summary may have at most %(MAX_SUMMARY)s characters"),
            MAX_SUMMARY=MAX_SUMMARY))
    return html.escape(text, quote=False)
