"""Turning what organizers type into safe HTML for posts.

Markdown (CommonMark via markdown-it-py, raw HTML disabled, bare links linkified)
rendered and then sanitised with the same allowlist as remote content, so a local post
renders the same on Mastodon as here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from node.html import sanitize_html

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

MAX_POST_CHARS = 5000


class TextError(ValueError):
    """Unacceptable post text; the message is shown to the organizer."""


def markdown_renderer() -> MarkdownIt:
    """A new renderer; markdown-it is imported here, when a post is first written, so a
    node that only serves and federates never loads it (issue 7, idle memory)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})


def post_html(text: str, renderer: MarkdownIt | None = None) -> str:
    """Validated, rendered and sanitised HTML for a post body."""
    stripped = text.strip()
    if not stripped:
        raise TextError("a post needs some text")
    if len(stripped) > MAX_POST_CHARS:
        raise TextError(f"a post may have at most {MAX_POST_CHARS} characters")
    html = (renderer or markdown_renderer()).render(stripped)
    return sanitize_html(html).strip()
