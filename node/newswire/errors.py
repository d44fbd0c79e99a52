"""The newswire's one refusal type, shared by the pages and ``ionode news``."""

from __future__ import annotations


class NewsError(ValueError):
    """Refused input or action; the message is shown as is (the web layer marks each
    sentence for translation in its ``REFUSALS``), and nothing was stored."""
