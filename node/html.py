"""The one HTML allowlist of the node: what Mastodon keeps of remote posts, plus the
headings (``h2``-``h6``: a page's ``h1`` is its own title) and tables that minutes and
reports need (issue 8, item 3). Receivers sanitise again with their own lists (Mastodon
turns headings into paragraphs and tables into lines), so nothing breaks there.

Every remote string that may hold HTML (content, summary, profile fields) passes
through :func:`sanitize_html` before it is stored, and again before it is shown
(SECURITY.md "Content": Mastodon CVE-2023-36459 and CVE-2023-42452, Misskey
CVE-2025-46340 were remote HTML reaching pages unsanitised). Sanitising is not a web
concern: the protocol (remote objects), the hubs and ``node.text`` use it, so it is a
base module; the web layer's ``node.web.markup`` only marks its result safe for Jinja2.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nh3 (1.6 MB) loads at the first HTML sanitised (issue 7, 1.14)
    import nh3

ALLOWED_TAGS = frozenset(
    {"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u",
     "i", "em", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "table", "thead",
     "tbody", "tr", "th", "td"}
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "class"},
    "span": {"class"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "th": {"scope"},
}
# Mastodon's link protocols; ``javascript:``, ``data:`` and ``file:`` are absent on purpose.
URL_SCHEMES = frozenset(
    {"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet",
     "gemini"}
)
LINK_REL = "nofollow noopener noreferrer"
# Mastodon keeps microformats, mention/hashtag and its link-shortening classes only.
_ALLOWED_CLASS = re.compile(r"^(?:(?:h|p|u|dt|e)-[\w-]+|mention|hashtag|ellipsis|invisible)$")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop every class but Mastodon's; a page style must never be reachable remotely."""
    if attribute != "class":
        return value
    kept = [name for name in value.split() if _ALLOWED_CLASS.match(name)]
    return " ".join(kept) or None


@cache
def _cleaner() -> nh3.Cleaner:
    import nh3

    # Relative links are refused: in remote HTML they would point into *this* node.
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "template", "iframe", "object", "noscript"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        strip_comments=True,
    )


def sanitize_html(html: str) -> str:
    """``html`` reduced to the allowlist above; safe to store and to show."""
    if not html:
        return ""
    cleaned: str = _cleaner().clean(html)
    return cleaned
