"""Reading and checking fetched bodies for :mod:`node.activitypub.fetch`.

* :func:`read_body` streams the raw body and stops at the size cap, counting
  *decompressed* bytes; gzip is inflated here with a bounded output size, so a gzip
  bomb never expands in memory (Fedify GHSA-mc44-6cfg-2v6w);
* :func:`parse_json_object` turns hostile JSON (malformed, not an object, over the
  depth and size budget of :mod:`node.activitypub.json_budget`) into a ``ValueError``,
  never a crash.

:class:`Refused` is how these helpers (and the fetcher) say why a fetch failed; the
fetcher turns it into a ``FetchFailed``.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

import orjson

from node.activitypub.json_budget import MAX_DEPTH, budget_problem

if TYPE_CHECKING:  # a response exists only once httpx is loaded (at the first fetch)
    import httpx

__all__ = ["MAX_DEPTH", "Refused", "parse_json_object", "read_body", "status_failure"]



class Refused(Exception):
    """A fetch refused for ``reason``; ``status`` is the HTTP status when there was one."""

    def __init__(self, reason: str, status: int | None = None, *, retryable: bool = False):
        super().__init__(reason)
        self.reason, self.status, self.retryable = reason, status, retryable


def status_failure(status: int) -> Refused:
    """The refusal for a non-2xx final answer: 408, 429 and 5xx may be retried."""
    if status == 410:
        return Refused("gone (410)", status)
    retryable = status in (408, 429) or status >= 500
    return Refused(f"HTTP {status}", status, retryable=retryable)


def _inflate(decoder: Any, data: bytes, room: int) -> bytes:
    """Decompress ``data`` producing at most ``room`` bytes, else refuse (gzip bombs)."""
    out = b""
    try:
        while data:
            out += decoder.decompress(data, room - len(out) + 1)
            if len(out) > room:
                raise Refused("body over the size cap after decompression")
            if data == decoder.unconsumed_tail:
                break
            data = decoder.unconsumed_tail
    except zlib.error as exc:
        raise Refused(f"corrupt gzip body: {exc}") from exc
    return out


def _decoder(content_encoding: str) -> Any:
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    raise Refused(f"unsupported Content-Encoding {content_encoding!r}")


async def read_body(response: httpx.Response, cap: int) -> bytes:
    """The body of ``response``, at most ``cap`` bytes after decompression, else Refused."""
    import httpx

    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise Refused(f"Content-Length {declared} over the cap of {cap} bytes")
    decoder = _decoder(response.headers.get("content-encoding", ""))
    body, raw_size = bytearray(), 0
    stream = response.stream  # raw bytes, also when a test transport pre-read them
    if not isinstance(stream, httpx.AsyncByteStream):
        raise Refused("the transport returned a synchronous body")
    async for chunk in stream:
        raw_size += len(chunk)
        if raw_size > cap:
            raise Refused(f"body over the cap of {cap} bytes")
        body += chunk if decoder is None else _inflate(decoder, chunk, cap - len(body))
        if len(body) > cap:
            raise Refused(f"body over the cap of {cap} bytes")
    if decoder is not None and not decoder.eof:
        raise Refused("truncated gzip body")
    return bytes(body)


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Parse ``body`` as one JSON object within the budget, else raise ``ValueError``."""
    try:
        document = orjson.loads(body)  # orjson refuses invalid UTF-8 and > 1024 levels
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ValueError("the JSON document is not an object")
    problem = budget_problem(document, body)
    if problem is not None:
        raise ValueError(f"the document is refused: {problem}")
    return document
