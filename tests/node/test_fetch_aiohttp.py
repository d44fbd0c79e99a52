"""SafeFetcher over the node's real fetch transport (guarded aiohttp, transport.py
``fetch_transport``) against servers on 127.0.0.1: the guarantees of fetch.py and ssrf.py
hold over it too -- the address checked at connect time on every hop, one deadline, the
1 MB cap counted after bounded gzip inflation, redirects followed by SafeFetcher only."""

from __future__ import annotations

import asyncio
import socket
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from node.activitypub.fetch import Fetched, FetchFailed, SafeFetcher
from node.activitypub.transport import fetch_transport

Reply = Callable[[str, str, asyncio.StreamWriter], Awaitable[None]]
AP = "application/activity+json"


class Server:
    """HTTP/1.1 on 127.0.0.1, keep-alive; ``reply`` answers each request (path, Host)."""

    def __init__(self, reply: Reply) -> None:
        self.reply, self.connections = reply, 0
        self.requests: list[dict[str, str]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                lines = head.decode("latin-1").split("\r\n")
                fields = {n.strip().lower(): v.strip() for n, _, v in
                          (line.partition(":") for line in lines[1:] if line)}
                self.requests.append(fields)
                await self.reply(lines[0].split(" ")[1], fields["host"], writer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def answer(status: int, body: bytes, **headers: str) -> bytes:
    head = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items())
    return (f"HTTP/1.1 {status} X\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode()
            + body)


def note(url: str) -> bytes:
    return orjson.dumps({"id": url, "type": "Note"})


async def echo(path: str, host: str, writer: asyncio.StreamWriter) -> None:
    """A Note whose id is the URL asked for."""
    writer.write(answer(200, note(f"http://{host}{path}"), Content_Type=AP))


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Reply], Awaitable[tuple[Server, int]]]]:
    servers: list[asyncio.Server] = []

    async def start(reply: Reply) -> tuple[Server, int]:
        state = Server(reply)
        server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
        servers.append(server)
        return state, server.sockets[0].getsockname()[1]

    yield start
    for server in servers:
        server.close()


class DNS(AbstractResolver):
    """Fixed answers per name (no real DNS in tests)."""

    def __init__(self, **names: tuple[str, ...]) -> None:
        self.names = {name.replace("_", "."): answers for name, answers in names.items()}

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return [ResolveResult(hostname=host, host=a, port=port, family=socket.AF_INET,
                              proto=0, flags=0) for a in self.names[host]]

    async def close(self) -> None:
        return None


def fetcher(*, allow_private: bool, dns: DNS | None = None, **kwargs: Any) -> SafeFetcher:
    sign = kwargs.pop("sign", None)
    transport = fetch_transport(allow_private=allow_private, resolver=dns)
    return SafeFetcher(transport=transport, allow_private=allow_private, sign=sign, **kwargs)


def ok(result: Fetched | FetchFailed) -> Fetched:
    assert isinstance(result, Fetched), result
    return result


def failed(result: Fetched | FetchFailed) -> FetchFailed:
    assert isinstance(result, FetchFailed), result
    return result


async def test_fetches_signed_over_one_kept_alive_connection(serve: Any) -> None:
    server, port = await serve(echo)

    async def sign(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        return {**headers, "Signature": f"sig of {method} {url}"}

    node = fetcher(allow_private=True, sign=sign)
    for n in range(3):
        url = f"http://127.0.0.1:{port}/users/{n}"
        assert ok(await node.fetch_activity(url)).document["id"] == url
    await node.aclose()
    assert server.connections == 1
    assert [r["signature"] for r in server.requests] == [
        f"sig of GET http://127.0.0.1:{port}/users/{n}" for n in range(3)]
    assert {r["accept-encoding"] for r in server.requests} == {"gzip"}


async def test_loopback_refused_unless_private_addresses_are_allowed(serve: Any) -> None:
    server, port = await serve(echo)
    dns = DNS(innocent_test=("127.0.0.1",))
    node = fetcher(allow_private=False, dns=dns)
    for url in (f"http://127.0.0.1:{port}/a", f"http://innocent.test:{port}/a"):
        result = failed(await node.fetch_activity(url))
        assert "127.0.0.1" in result.reason and not result.retryable, result
    await node.aclose()
    assert server.connections == 0
    private = fetcher(allow_private=True, dns=dns)
    ok(await private.fetch_activity(f"http://innocent.test:{port}/a"))
    await private.aclose()


async def test_any_forbidden_answer_refuses_the_name(serve: Any) -> None:
    server, port = await serve(echo)
    node = fetcher(allow_private=True, dns=DNS(mixed_test=("127.0.0.1", "169.254.169.254")))
    result = failed(await node.fetch_activity(f"http://mixed.test:{port}/actor"))
    await node.aclose()
    assert "169.254.169.254" in result.reason and not result.retryable
    assert server.connections == 0


async def test_every_redirect_hop_is_checked_at_connect_time(serve: Any) -> None:
    """The second hop's name resolves to cloud metadata: refused when connecting."""

    async def moved(path: str, host: str, writer: asyncio.StreamWriter) -> None:
        writer.write(answer(302, b"", Location="http://metadata.test/latest"))

    server, port = await serve(moved)
    node = fetcher(allow_private=True, dns=DNS(metadata_test=("169.254.169.254",)))
    result = failed(await node.fetch_activity(f"http://127.0.0.1:{port}/actor"))
    await node.aclose()
    assert "169.254.169.254" in result.reason and not result.retryable
    assert len(server.requests) == 1


async def test_redirects_are_followed_by_the_fetcher_at_most_three_times(serve: Any) -> None:
    async def loop(path: str, host: str, writer: asyncio.StreamWriter) -> None:
        writer.write(answer(301, b"", Location=f"/{int(path[1:]) + 1}"))

    server, port = await serve(loop)
    node = fetcher(allow_private=True)
    result = failed(await node.fetch_activity(f"http://127.0.0.1:{port}/0"))
    await node.aclose()
    assert "redirects" in result.reason and len(server.requests) == 4


async def test_connection_refused_is_retryable(serve: Any) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    node = fetcher(allow_private=True)
    result = failed(await node.fetch_activity(f"http://127.0.0.1:{port}/actor"))
    await node.aclose()
    assert result.retryable and "ConnectError" in result.reason


async def test_gzip_is_inflated_by_the_fetcher_within_the_cap(serve: Any) -> None:
    """The transport hands the compressed bytes over; the bomb stops at the cap."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = b"".join(compressor.compress(b"\0" * 1_000_000) for _ in range(20))
    bomb += compressor.flush()

    async def gzipped(path: str, host: str, writer: asyncio.StreamWriter) -> None:
        if path == "/bomb":
            writer.write(answer(200, bomb, Content_Type=AP, Content_Encoding="gzip"))
        else:
            body = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            data = body.compress(note(f"http://{host}{path}")) + body.flush()
            writer.write(answer(200, data, Content_Type=AP, Content_Encoding="gzip"))

    _server, port = await serve(gzipped)
    node = fetcher(allow_private=True)
    url = f"http://127.0.0.1:{port}/actor"
    assert ok(await node.fetch_activity(url)).document["id"] == url
    result = failed(await node.fetch_activity(f"http://127.0.0.1:{port}/bomb"))
    await node.aclose()
    assert "decompression" in result.reason or "cap" in result.reason, result


async def test_body_over_the_cap_refused_while_streaming(serve: Any) -> None:
    async def endless(path: str, host: str, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(40):
            writer.write(b"%x\r\n%s\r\n" % (50_000, b" " * 50_000))
            await writer.drain()
        writer.write(b"0\r\n\r\n")

    _server, port = await serve(endless)
    node = fetcher(allow_private=True, max_bytes=1_000_000)
    result = failed(await node.fetch_activity(f"http://127.0.0.1:{port}/big"))
    await node.aclose()
    assert "cap" in result.reason and not result.retryable


async def test_one_deadline_against_a_dripping_server(serve: Any) -> None:
    """Mastodon CVE-2023-36461: each byte comes quickly, the whole answer does not."""
    sent = [0]

    async def drip(path: str, host: str, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n"
                     b"Content-Length: 1000\r\n\r\n")
        for _ in range(1000):
            writer.write(b" ")
            await writer.drain()
            sent[0] += 1
            await asyncio.sleep(0.05)

    _server, port = await serve(drip)
    node = fetcher(allow_private=True, deadline=0.3)
    result = failed(await node.fetch_activity(f"http://127.0.0.1:{port}/slow"))
    await node.aclose()
    assert "deadline" in result.reason and result.retryable
    assert sent[0] < 100


async def test_a_connection_cut_mid_body_is_retryable(serve: Any) -> None:
    async def cut(path: str, host: str, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"id\":")
        await writer.drain()
        writer.close()

    _server, port = await serve(cut)
    node = fetcher(allow_private=True)
    result = failed(await node.fetch_activity(f"http://127.0.0.1:{port}/cut"))
    await node.aclose()
    assert result.retryable, result
