"""Turning what organizers type into safe HTML for posts: the node's one Markdown renderer.

CommonMark via markdown-it-py with raw HTML disabled, plus GitHub's tables and
strikethrough, bare URLs linkified (linkify-it-py), and ``#hashtags`` and
``@user@host`` mentions written as links the way Mastodon writes them
(``<a class="mention hashtag" rel="tag">``, ``<span class="h-card"><a class="u-url
mention">``). Headings are shifted one level down (``#`` is ``<h2>``): a page's own
``<h1>`` is its title. The result is sanitised with the same allowlist as remote content
(:mod:`node.html`), so publishing and every page show the same HTML. Posts, minutes,
event descriptions, poll questions and hub missions all go through :func:`post_html`.

What Mastodon expects beside the links is the ``tag`` array of the object (``Hashtag``
and ``Mention`` entries): :func:`as_tags` builds it from the same text with the same
patterns, so a link in ``content`` always has its entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from node.html import sanitize_html
from node.messages import N_, Text
from node.settings import is_loopback_host

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

MAX_POST_CHARS = 5000
# Mastodon's shapes (app/models/tag.rb HASHTAG_RE, account.rb MENTION_RE), simplified:
# a hashtag is letters, digits and underscores with at least one non-digit; a mention
# is @user@host. Both start a word. The host may carry a port, and may be ``localhost``
# (``@alice@localhost:8401``, ``@bo@philly.example:8443``: a development node, or one on
# another port); nothing that could go on may follow it (``@a@b.example:80abc``), and a
# host without a dot that is not ``localhost`` is not one (``@a@b:c``).
HASHTAG = re.compile(r"(?<![\w/#&])#(\w*[^\W\d]\w*)", re.UNICODE)
MENTION = re.compile(r"(?<![\w/@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)"
                     r"@((?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d{1,5})?)"
                     r"(?![\w:-])")
_TAGGED = re.compile(f"{HASHTAG.pattern}|{MENTION.pattern}", re.UNICODE)


class TextError(ValueError):
    """Unacceptable post text; the message is shown to the organizer."""


@dataclass(frozen=True)
class TagLinks:
    """Where hashtags point: ``{base_url}/tags/{name}`` (Mastodon's shape; the
    receiving server links its own tag timeline through the ``tag`` entry)."""

    base_url: str

    def hashtag(self, name: str) -> str:
        return f"{self.base_url}/tags/{name.lower()}"


def mention_url(user: str, host: str, base_url: str | None = None) -> str:
    """The profile page most fediverse servers answer for ``@user@host`` (``host`` with
    its port, if any). It is ``https`` but for this node's own host and, on a node
    served over plain ``http`` (development, tests on loopback), for other loopback
    hosts: those nodes answer ``http`` only, as this one does."""
    scheme = "https"
    if base_url is not None and base_url.startswith("http://"):
        own = base_url.removeprefix("http://").split("/", 1)[0].lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if host.lower() == own or is_loopback_host(name):
            scheme = "http"
    return f"{scheme}://{host}/@{user}"


def _link(state: StateCore, href: str, text: str, classes: str, rel: str = "") -> list[Token]:
    from markdown_it.token import Token

    opened = Token("link_open", "a", 1)
    opened.attrs = {"href": href, "class": classes, **({"rel": rel} if rel else {})}
    label = Token("text", "", 0)
    label.content = text
    return [opened, label, Token("link_close", "a", -1)]


def _split(state: StateCore, token: Token, links: TagLinks | None) -> list[Token]:
    """A text token cut into plain text and hashtag/mention links."""
    from markdown_it.token import Token

    out: list[Token] = []
    text, last = token.content, 0
    for found in _TAGGED.finditer(text):
        tag, user, host = found.group(1), found.group(2), found.group(3)
        if tag is not None and links is None:
            continue  # no base URL to link a hashtag to: it stays text
        before = Token("text", "", 0)
        before.content = text[last:found.start()]
        out.append(before)
        if tag is not None and links is not None:
            out += _link(state, links.hashtag(tag), f"#{tag}", "mention hashtag", "tag")
        else:
            href = mention_url(user, host, links.base_url if links else None)
            out += _link(state, href, f"@{user}@{host}", "u-url mention")
        last = found.end()
    if not out:
        return [token]
    rest = Token("text", "", 0)
    rest.content = text[last:]
    return [*out, rest]


def _tag_rule(links: TagLinks | None) -> Callable[[StateCore], None]:
    """A core rule after linkify: hashtags and mentions in text outside links and code."""

    def rule(state: StateCore) -> None:
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            children, depth = [], 0
            for child in block.children:
                depth += child.type == "link_open"
                depth -= child.type == "link_close"
                split = child.type == "text" and depth == 0 and ("#" in child.content
                                                               or "@" in child.content)
                children += _split(state, child, links) if split else [child]
            block.children = children

    return rule


def _heading_level(tokens: Sequence[Token], idx: int) -> str:
    level = min(6, int(tokens[idx].tag[1:]) + 1)
    return f"h{level}"


def markdown_renderer(links: TagLinks | None = None) -> MarkdownIt:
    """A new renderer; markdown-it is imported here, when a post is first written, so a
    node that only serves and federates never loads it (issue 7, idle memory)."""
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    renderer.enable(["table", "strikethrough", "linkify"])
    # mailto: is not a link scheme of the allowlist: an e-mail address stays text
    if renderer.linkify is not None:
        renderer.linkify.set({"fuzzy_email": False})
    renderer.core.ruler.after("linkify", "hashtags_mentions", _tag_rule(links))

    def shift(self: Any, tokens: Sequence[Token], idx: int, *_: Any) -> str:
        token = tokens[idx]
        return f"<{'/' if token.nesting < 0 else ''}{_heading_level(tokens, idx)}>" + (
            "\n" if token.nesting < 0 else "")

    renderer.add_render_rule("heading_open", shift)
    renderer.add_render_rule("heading_close", shift)
    return renderer


def post_html(text: str, renderer: MarkdownIt | None = None, *,
              links: TagLinks | None = None) -> str:
    """Validated, rendered and sanitised HTML for a post body."""
    stripped = text.strip()
    if not stripped:
        raise TextError(Text(N_("a post needs some text")))
    if len(stripped) > MAX_POST_CHARS:
        raise TextError(Text(
            N_("a post may have at most %(MAX_POST_CHARS)s characters"),
            MAX_POST_CHARS=MAX_POST_CHARS))
    html = (renderer or markdown_renderer(links)).render(stripped)
    return sanitize_html(html).strip()


def as_tags(text: str, links: TagLinks) -> list[dict[str, str]]:
    """The ``tag`` entries (``Hashtag``, ``Mention``) Mastodon reads beside ``content``:
    each hashtag and mention of ``text`` once, in order. Code spans are not skipped here
    (a rare over-tagging that Mastodon shows as nothing)."""
    found: dict[str, dict[str, str]] = {}
    for match in _TAGGED.finditer(text):
        tag, user, host = match.group(1), match.group(2), match.group(3)
        if tag is not None:
            found.setdefault(f"#{tag.lower()}", {"type": "Hashtag", "href": links.hashtag(tag),
                                                 "name": f"#{tag.lower()}"})
        else:
            found.setdefault(f"@{user}@{host}", {"type": "Mention",
                                                "href": mention_url(user, host,
                                                                    links.base_url),
                                                "name": f"@{user}@{host}"})
    return list(found.values())
