"""SafeFetcher.fetch_document: the feed fetch path. Conditional GET, 304, media types,
and the same guards as every fetch: redirects re-checked, size cap, deadline, address
policy at URL level and at connect time (a real server on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import itertools
import zlib
from ipaddress import ip_address

import httpx
import pytest

from node.activitypub.fetch import FetchedDocument, FetchFailed, NotModified, SafeFetcher
from node.activitypub.ssrf import IPAddress
from node.activitypub.ssrf_httpcore import guarded_transport
from node.hubs.feeds.rules import FEED_ACCEPT, FEED_MEDIA_TYPES
from tests.fixtures.remote.fakes import Chunks, FakeRemote, raw

FEED = "https://occupyoakland.example/feed.xml"
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>GA</title></channel></rss>'
RSS_TYPE = "application/rss+xml; charset=utf-8"


def fetcher(remote: FakeRemote, **kwargs: object) -> SafeFetcher:
    kwargs.setdefault("allow_private", False)
    return SafeFetcher(transport=remote.transport(), **kwargs)  # type: ignore[arg-type]


async def get(f: SafeFetcher, url: str = FEED, *, media: tuple[str, ...] | None = FEED_MEDIA_TYPES,
              etag: str | None = None, modified: str | None = None
              ) -> FetchedDocument | NotModified | FetchFailed:
    return await f.fetch_document(url, accept=FEED_ACCEPT, media_types=media, etag=etag,
                                  last_modified=modified)


def serve(remote: FakeRemote, url: str = FEED, body: bytes = RSS, content_type: str = RSS_TYPE,
          headers: dict[str, str] | None = None) -> None:
    remote.answer(url, lambda _r: raw(200, {"Content-Type": content_type, **(headers or {})},
                                      body))


def failed(result: object) -> FetchFailed:
    assert isinstance(result, FetchFailed), result
    return result


async def test_fetches_raw_bytes_with_validators_and_no_signature() -> None:
    remote = FakeRemote()
    serve(remote, headers={"ETag": '"v1"', "Last-Modified": "Sat, 21 Nov 2026 11:00:00 GMT"})
    signed: list[str] = []

    async def sign(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        signed.append(url)
        return {**headers, "Signature": "x"}

    result = await get(fetcher(remote, sign=sign))
    assert result == FetchedDocument(url=FEED, body=RSS, status=200, content_type=RSS_TYPE,
                                     etag='"v1"', last_modified="Sat, 21 Nov 2026 11:00:00 GMT")
    (request,) = remote.requests
    assert request.headers["accept"] == FEED_ACCEPT
    assert "if-none-match" not in request.headers and "if-modified-since" not in request.headers
    assert "signature" not in request.headers and signed == []


async def test_conditional_headers_sent_and_304_is_not_modified() -> None:
    remote = FakeRemote()
    remote.answer(FEED, lambda r: httpx.Response(304, headers={"ETag": '"v1"'})
                  if r.headers.get("if-none-match") == '"v1"' else raw(200, {}, RSS))
    modified = "Sat, 21 Nov 2026 11:00:00 GMT"
    result = await get(fetcher(remote), etag='"v1"', modified=modified)
    assert result == NotModified(url=FEED, etag='"v1"', last_modified=None)
    assert remote.requests[0].headers["if-none-match"] == '"v1"'
    assert remote.requests[0].headers["if-modified-since"] == modified


async def test_304_to_an_unconditional_request_is_a_failure() -> None:
    remote = FakeRemote()
    remote.status(FEED, 304)
    assert failed(await get(fetcher(remote))).status == 304


async def test_conditional_get_follows_redirects_to_the_final_url() -> None:
    remote = FakeRemote()
    final = "https://www.occupyoakland.example/feed/"
    remote.redirect(FEED, final, status=301)
    serve(remote, final)
    result = await get(fetcher(remote), etag='"v1"')
    assert isinstance(result, FetchedDocument) and result.url == final
    assert [r.headers["if-none-match"] for r in remote.requests] == ['"v1"', '"v1"']


@pytest.mark.parametrize("location", ["http://127.0.0.1/feed", "http://[::ffff:10.0.0.1]/",
                                      "http://169.254.169.254/latest", "file:///etc/passwd",
                                      "http://localhost/feed"])
async def test_redirects_are_rechecked(location: str) -> None:
    remote = FakeRemote()
    remote.redirect("http://evil.example/feed", location)
    serve(remote, location)
    result = failed(await get(fetcher(remote), "http://evil.example/feed"))
    assert not result.retryable and len(remote.requests) == 1


async def test_at_most_three_redirects_and_never_down_to_http() -> None:
    remote = FakeRemote()
    hops = [f"https://a{i}.example/feed" for i in range(5)]
    for here, there in itertools.pairwise(hops):
        remote.redirect(here, there)
    serve(remote, hops[4])
    assert "redirects" in failed(await get(fetcher(remote), hops[0])).reason
    assert remote.hits(hops[4]) == 0
    remote.redirect(FEED, "http://occupyoakland.example/feed.xml")
    assert "https" in failed(await get(fetcher(remote))).reason


@pytest.mark.parametrize("content_type", ["application/atom+xml", "application/rss+xml",
                                          "Application/XML; charset=ISO-8859-1", "text/xml",
                                          "text/calendar; charset=utf-8", "application/rdf+xml",
                                          "application/x-rss+xml", "text/plain",
                                          "application/octet-stream"])
async def test_feed_media_types_accepted(content_type: str) -> None:
    remote = FakeRemote()
    serve(remote, content_type=content_type)
    assert isinstance(await get(fetcher(remote)), FetchedDocument)


# text/plain and application/octet-stream pass the fetch; parse_feed then sniffs the body
# (tests/node/test_feed_media_types.py).
@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/json",
                                          "image/png", "image/svg+xml", ""])
async def test_other_media_types_refused(content_type: str) -> None:
    remote = FakeRemote()
    serve(remote, content_type=content_type)
    result = failed(await get(fetcher(remote)))
    assert "media type" in result.reason and not result.retryable


async def test_no_media_type_filter_when_none() -> None:
    remote = FakeRemote()
    serve(remote, content_type="text/html")
    assert isinstance(await get(fetcher(remote), media=None), FetchedDocument)



async def test_body_over_the_cap_refused_while_streaming() -> None:
    remote = FakeRemote()
    body = Chunks(b"<item/>" * 9000, count=100)  # 6.3 MB if read to the end
    remote.answer(FEED, lambda _r: httpx.Response(200, headers={"Content-Type": RSS_TYPE},
                                                  stream=body))
    assert "cap" in failed(await get(fetcher(remote))).reason
    assert body.sent <= 17


async def test_gzip_bomb_refused() -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = b"".join(compressor.compress(b" " * 1_000_000) for _ in range(20)) + compressor.flush()
    remote = FakeRemote()
    serve(remote, body=bomb, headers={"Content-Encoding": "gzip"})
    assert "decompression" in failed(await get(fetcher(remote))).reason


async def test_total_deadline() -> None:
    remote = FakeRemote()
    body = Chunks(b" ", count=1000, delay=0.05)
    remote.answer(FEED, lambda _r: httpx.Response(200, headers={"Content-Type": RSS_TYPE},
                                                  stream=body))
    result = failed(await get(fetcher(remote, deadline=0.3)))
    assert "deadline" in result.reason and result.retryable


@pytest.mark.parametrize(("status", "retryable", "gone"),
                         [(404, False, False), (410, False, True), (503, True, False)])
async def test_status_classes(status: int, retryable: bool, gone: bool) -> None:
    remote = FakeRemote()
    remote.status(FEED, status)
    result = failed(await get(fetcher(remote)))
    assert (result.status, result.retryable, result.gone) == (status, retryable, gone)


async def test_private_address_refused_before_any_request() -> None:
    remote = FakeRemote()
    serve(remote, "http://127.0.0.1:8080/feed.xml")
    assert "loopback" in failed(await get(fetcher(remote), "http://127.0.0.1:8080/feed.xml")
                                ).reason
    assert remote.requests == []


# --- a real server on 127.0.0.1 ---


class FeedServer:
    """Serves RSS with an ETag on 127.0.0.1 and answers 304 to a matching If-None-Match."""

    def __init__(self) -> None:
        self.connections = 0
        self.conditional: list[str] = []

    async def __aenter__(self) -> FeedServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower().split("\r\n")
        match = [line.split(":", 1)[1].strip() for line in head
                 if line.startswith("if-none-match:")]
        self.conditional += match
        if match == ['"v1"']:
            writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nConnection: close\r\n\r\n')
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                         + f'ETag: "v1"\r\nContent-Length: {len(RSS)}\r\n'.encode()
                         + b"Connection: close\r\n\r\n" + RSS)
        await writer.drain()
        writer.close()


async def test_real_server_conditional_get_when_private_addresses_are_allowed() -> None:
    async with FeedServer() as server:
        f = SafeFetcher(transport=guarded_transport(allow_private=True), allow_private=True)
        url = f"http://127.0.0.1:{server.port}/feed.xml"
        first = await get(f, url)
        assert isinstance(first, FetchedDocument) and first.body == RSS and first.etag == '"v1"'
        assert await get(f, url, etag=first.etag) == NotModified(url, '"v1"', None)
        assert server.conditional == ['"v1"']
        await f.aclose()


async def test_name_resolving_to_loopback_refused_at_connect_time() -> None:
    async def to_loopback(_host: str, _port: int) -> list[IPAddress]:
        return [ip_address("127.0.0.1")]

    async with FeedServer() as server:
        transport = guarded_transport(allow_private=False, resolver=to_loopback)
        f = SafeFetcher(transport=transport, allow_private=False)
        result = failed(await get(f, f"http://www.occupyoakland.test:{server.port}/feed.xml"))
        assert "127.0.0.1" in result.reason and not result.retryable
        assert server.connections == 0
        await f.aclose()
