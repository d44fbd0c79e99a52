"""SafeFetcher over faked remote servers (``httpx.MockTransport``): redirects, media types,
id origin, size caps, gzip bombs, the total deadline, status classes and signing."""

from __future__ import annotations

import asyncio
import itertools
import ssl
import time
import zlib
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import httpcore
import httpx
import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from node.activitypub.fetch import Fetched, FetchFailed, SafeFetcher
from node.activitypub.ssrf import IPAddress, Resolver
from node.activitypub.ssrf_blocked import BlockedAddress
from node.activitypub.ssrf_httpcore import GuardedBackend, guarded_transport
from tests.fixtures.remote.fakes import AP, JRD, Chunks, FakeRemote, raw

ANA = "https://mastodon.social/users/ana"
LD_AS = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def note(url: str) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": url, "type": "Note"}


def fetcher(remote: FakeRemote, **kwargs: Any) -> SafeFetcher:
    kwargs.setdefault("allow_private", False)
    return SafeFetcher(transport=remote.transport(), **kwargs)


def ok(result: Fetched | FetchFailed) -> Fetched:
    assert isinstance(result, Fetched), result
    return result


def failed(result: Fetched | FetchFailed) -> FetchFailed:
    assert isinstance(result, FetchFailed), result
    return result



async def test_fetches_a_recorded_actor() -> None:
    remote = FakeRemote()
    remote.fixture(ANA, "mastodon.social/users-ana.json")
    result = ok(await fetcher(remote).fetch_activity(ANA))
    assert result.url == ANA and result.status == 200
    assert result.document["preferredUsername"] == "ana"
    request = remote.requests[0]
    assert "application/activity+json" in request.headers["accept"]
    assert request.headers["user-agent"] == "ionode/0.1"
    assert request.headers["accept-encoding"] == "gzip"


async def test_fragment_is_not_sent_and_id_compared_without_it() -> None:
    remote = FakeRemote()
    remote.fixture(ANA, "mastodon.social/users-ana.json")
    assert ok(await fetcher(remote).fetch_activity(f"{ANA}#main-key")).url == ANA


@pytest.mark.parametrize(
    "content_type",
    [AP, "application/activity+json", LD_AS, "Application/Activity+JSON",
     'application/ld+json; profile="https://www.w3.org/ns/activitystreams https://x.example/p"'],
)
async def test_activitystreams_media_types_accepted(content_type: str) -> None:
    remote = FakeRemote()
    remote.json(ANA, note(ANA), content_type=content_type)
    ok(await fetcher(remote).fetch_activity(ANA))


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/json", "text/html; charset=utf-8", "application/ld+json",
     'application/ld+json; profile="https://example.com/other"', ""],
)
async def test_other_media_types_refused(content_type: str) -> None:
    """Mastodon CVE-2024-25623: a JSON file served as text/plain passed as an actor."""
    remote = FakeRemote()
    remote.json(ANA, note(ANA), content_type=content_type)
    result = failed(await fetcher(remote).fetch_activity(ANA))
    assert "media type" in result.reason and not result.retryable


async def test_id_must_equal_the_url_fetched() -> None:
    """Mastodon CVE-2024-23832."""
    remote = FakeRemote()
    remote.json(ANA, note("https://mastodon.social/users/admin"))
    assert "is not the URL fetched" in failed(await fetcher(remote).fetch_activity(ANA)).reason


@pytest.mark.parametrize("document_id", [None, 42, "", f"{ANA}#x", f"{ANA}/"])
async def test_missing_or_different_id_refused(document_id: Any) -> None:
    remote = FakeRemote()
    remote.json(ANA, {**note(ANA), "id": document_id})
    failed(await fetcher(remote).fetch_activity(ANA))


async def test_id_compared_after_host_canonicalisation() -> None:
    remote = FakeRemote()
    remote.json(ANA, note("https://Mastodon.Social./users/ana"))
    ok(await fetcher(remote).fetch_activity(ANA))


async def test_three_redirects_followed_and_signed_on_every_hop() -> None:
    remote = FakeRemote()
    hops = [f"https://a{i}.example/x" for i in range(4)]
    for here, there in itertools.pairwise(hops):
        remote.redirect(here, there)
    remote.json(hops[3], note(hops[3]))
    signed: list[str] = []

    async def sign(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        signed.append(f"{method} {url}")
        return {**headers, "Signature": f"keyId=test,url={url}"}

    result = ok(await fetcher(remote, sign=sign).fetch_activity(hops[0]))
    assert result.url == hops[3]
    assert signed == [f"GET {hop}" for hop in hops]
    sent = [r.headers["signature"] for r in remote.requests]
    assert sent == [f"keyId=test,url={hop}" for hop in hops]


async def test_fourth_redirect_refused() -> None:
    remote = FakeRemote()
    hops = [f"https://a{i}.example/x" for i in range(5)]
    for here, there in itertools.pairwise(hops):
        remote.redirect(here, there, status=301)
    remote.json(hops[4], note(hops[4]))
    result = failed(await fetcher(remote).fetch_activity(hops[0]))
    assert "redirects" in result.reason and not result.retryable
    assert remote.hits(hops[4]) == 0 and len(remote.requests) == 4


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.1/admin", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest",
     "http://localhost:8000/actor", "file:///etc/passwd", "http://10.0.0.1/"],
)
async def test_redirect_to_forbidden_address_refused(location: str) -> None:
    """Fedify CVE-2025-23221: policy re-applied on every hop."""
    remote = FakeRemote()
    remote.redirect("http://evil.example/x", location)
    remote.json(location, note(location))
    result = failed(await fetcher(remote).fetch_activity("http://evil.example/x"))
    assert not result.retryable
    assert len(remote.requests) == 1


async def test_redirect_downgrade_to_http_refused() -> None:
    remote = FakeRemote()
    remote.redirect(ANA, "http://mastodon.social/users/ana")
    assert "https" in failed(await fetcher(remote).fetch_activity(ANA)).reason


async def test_relative_redirect() -> None:
    remote = FakeRemote()
    remote.redirect("https://a.example/old", "/new")
    remote.json("https://a.example/new", note("https://a.example/new"))
    assert ok(await fetcher(remote).fetch_activity("https://a.example/old")).url.endswith("/new")


async def test_cross_origin_redirect_id_must_equal_final_url() -> None:
    remote = FakeRemote()
    remote.redirect("https://a.example/x", "https://b.example/y")
    remote.json("https://b.example/y", note("https://b.example/y"))
    assert ok(await fetcher(remote).fetch_activity("https://a.example/x")).url == (
        "https://b.example/y"
    )
    remote.json("https://b.example/y", note("https://a.example/x"))  # claims the first origin
    assert "is not the URL fetched" in failed(
        await fetcher(remote).fetch_activity("https://a.example/x")
    ).reason


async def test_redirect_without_location() -> None:
    remote = FakeRemote()
    remote.answer(ANA, lambda _r: httpx.Response(302))
    assert "Location" in failed(await fetcher(remote).fetch_activity(ANA)).reason


async def test_body_over_cap_refused_while_streaming() -> None:
    remote = FakeRemote()
    body = Chunks(b" " * 65536, count=100)  # 6.5 MB if read to the end
    remote.answer(ANA, lambda _r: httpx.Response(200, headers={"Content-Type": AP}, stream=body))
    result = failed(await fetcher(remote).fetch_activity(ANA))
    assert "cap" in result.reason
    assert body.sent <= 17  # stopped just past 1 MB


async def test_declared_content_length_over_cap_refused_before_reading() -> None:
    remote = FakeRemote()
    body = Chunks(b" ", count=1)
    headers = {"Content-Type": AP, "Content-Length": "5000000"}
    remote.answer(ANA, lambda _r: httpx.Response(200, headers=headers, stream=body))
    assert "Content-Length" in failed(await fetcher(remote).fetch_activity(ANA)).reason
    assert body.sent == 0


def gzip_bytes(data: bytes, repeat: int = 1) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = b"".join(compressor.compress(data) for _ in range(repeat))
    return out + compressor.flush()


async def test_gzip_body_inflated() -> None:
    remote = FakeRemote()
    headers = {"Content-Type": AP, "Content-Encoding": "gzip"}
    body = gzip_bytes(orjson.dumps(note(ANA)))
    remote.answer(ANA, lambda _r: raw(200, headers, body))
    assert ok(await fetcher(remote).fetch_activity(ANA)).document["type"] == "Note"


async def test_gzip_bomb_stops_at_the_cap() -> None:
    """Fedify GHSA-mc44-6cfg-2v6w: 50 MB of zeros in ~50 KB of gzip."""
    remote = FakeRemote()
    bomb = gzip_bytes(b"\0" * 1_000_000, repeat=50)
    assert len(bomb) < 100_000
    headers = {"Content-Type": AP, "Content-Encoding": "gzip"}
    remote.answer(ANA, lambda _r: raw(200, headers, bomb))
    started = time.monotonic()
    result = failed(await fetcher(remote).fetch_activity(ANA))
    assert "decompression" in result.reason
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, gzip", "compress"])
async def test_unrequested_encodings_refused(encoding: str) -> None:
    remote = FakeRemote()
    headers = {"Content-Type": AP, "Content-Encoding": encoding}
    remote.answer(ANA, lambda _r: raw(200, headers, b"{}"))
    assert "Content-Encoding" in failed(await fetcher(remote).fetch_activity(ANA)).reason


async def test_corrupt_and_truncated_gzip_refused() -> None:
    remote = FakeRemote()
    headers = {"Content-Type": AP, "Content-Encoding": "gzip"}
    remote.answer(ANA, lambda _r: raw(200, headers, b"not gzip"))
    failed(await fetcher(remote).fetch_activity(ANA))
    truncated = gzip_bytes(orjson.dumps(note(ANA)))[:-12]
    remote.answer(ANA, lambda _r: raw(200, headers, truncated))
    assert "truncated" in failed(await fetcher(remote).fetch_activity(ANA)).reason


async def test_total_deadline_against_a_dripping_server() -> None:
    """Mastodon CVE-2023-36461: each read is quick, the whole fetch is not."""
    remote = FakeRemote()
    body = Chunks(b" ", count=1000, delay=0.05)
    remote.answer(ANA, lambda _r: httpx.Response(200, headers={"Content-Type": AP}, stream=body))
    started = time.monotonic()
    result = failed(await fetcher(remote, deadline=0.3).fetch_activity(ANA))
    elapsed = time.monotonic() - started
    assert "deadline" in result.reason and result.retryable
    assert 0.25 < elapsed < 1.0
    assert body.sent < 10


async def test_deadline_covers_redirect_hops() -> None:
    async def slow_redirect(request: httpx.Request) -> httpx.Response:
        import anyio

        await anyio.sleep(0.12)
        return httpx.Response(302, headers={"Location": f"{request.url}x"})

    slow = httpx.MockTransport(slow_redirect)
    result = failed(
        await SafeFetcher(transport=slow, allow_private=False, deadline=0.3).fetch_activity(ANA)
    )
    assert "deadline" in result.reason


@pytest.mark.parametrize(
    "body",
    [b"{", b"[]", b'"actor"', b"null", b"[" * 5000 + b"]" * 5000, b'{"a": "\xff"}', b"",
     b'{"id": 1}' + b" trailing"],
)
async def test_malformed_json_is_a_failure_not_an_exception(body: bytes) -> None:
    remote = FakeRemote()
    remote.answer(ANA, lambda _r: raw(200, {"Content-Type": AP}, body))
    assert not failed(await fetcher(remote).fetch_activity(ANA)).retryable


async def test_deeply_nested_object_refused() -> None:
    nested: dict[str, Any] = {"id": ANA}
    for _ in range(100):
        nested = {"id": ANA, "object": nested}
    remote = FakeRemote()
    remote.json(ANA, nested)
    assert "deeper" in failed(await fetcher(remote).fetch_activity(ANA)).reason


@pytest.mark.parametrize(
    ("status", "retryable", "gone"),
    [(410, False, True), (503, True, False), (500, True, False), (429, True, False),
     (408, True, False), (404, False, False), (401, False, False), (403, False, False),
     (304, False, False)],
)
async def test_status_classes(status: int, retryable: bool, gone: bool) -> None:
    remote = FakeRemote()
    remote.status(ANA, status)
    result = failed(await fetcher(remote).fetch_activity(ANA))
    assert (result.status, result.retryable, result.gone) == (status, retryable, gone)
    assert result.url == ANA


@pytest.mark.parametrize(
    ("error", "retryable"),
    [(httpx.ConnectError("refused"), True), (httpx.ReadTimeout("slow"), True),
     (httpx.RemoteProtocolError("junk"), True), (httpx.UnsupportedProtocol("x"), False)],
)
async def test_transport_errors(error: Exception, retryable: bool) -> None:
    def boom(_request: httpx.Request) -> httpx.Response:
        raise error

    transport = httpx.MockTransport(boom)
    result = failed(await SafeFetcher(transport=transport, allow_private=False).fetch_activity(ANA))
    assert result.retryable is retryable and result.status is None


async def test_fetch_json_checks_its_own_media_types() -> None:
    url = "https://mastodon.social/.well-known/webfinger?resource=acct:ana@mastodon.social"
    remote = FakeRemote()
    remote.fixture(url, "mastodon.social/webfinger-ana.json", content_type=JRD)
    media = ("application/jrd+json", "application/json")
    result = ok(await fetcher(remote).fetch_json(url, accept="application/jrd+json",
                                                 media_types=media))
    assert result.document["subject"] == "acct:ana@mastodon.social"
    assert remote.requests[0].headers["accept"] == "application/jrd+json"
    remote.fixture(url, "mastodon.social/webfinger-ana.json", content_type="text/html")
    failed(await fetcher(remote).fetch_json(url, accept="application/jrd+json", media_types=media))


async def test_private_addresses_allowed_only_when_configured() -> None:
    remote = FakeRemote()
    url = "http://127.0.0.1:8001/actor"
    remote.json(url, note(url))
    assert not failed(await fetcher(remote).fetch_activity(url)).retryable
    assert remote.requests == []
    ok(await fetcher(remote, allow_private=True).fetch_activity(url))


async def test_mock_responses_built_with_content_also_work() -> None:
    """httpx pre-reads ``Response(content=...)``; the fetcher still reads the raw body."""
    remote = FakeRemote()
    remote.answer(ANA, lambda _r: httpx.Response(200, headers={"Content-Type": AP}, json=note(ANA)))
    ok(await fetcher(remote).fetch_activity(ANA))


async def test_aclose_closes_the_transport() -> None:
    closed: list[bool] = []

    class Closing(httpx.MockTransport):
        async def aclose(self) -> None:
            closed.append(True)

    transport = Closing(lambda _r: httpx.Response(404))
    await SafeFetcher(transport=transport, allow_private=False).aclose()
    assert closed == [True]


# --- connect time: a real loopback server, the guarded transport, injected DNS answers ---


class LoopbackServer:
    """A tiny HTTP/1.1 server on 127.0.0.1: every GET gets a Note whose id is the URL asked
    for (scheme + Host header + path), then the connection is closed."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls, self.connections = tls, 0
        self.server_names: list[str | None] = []
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)

    async def __aenter__(self) -> LoopbackServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        path = head[0].split(" ")[1]
        host = next(line[5:].strip() for line in head if line.lower().startswith("host:"))
        scheme = "https" if self.tls else "http"
        body = orjson.dumps(note(f"{scheme}://{host}{path}"))
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()


def static(*addresses: str) -> Resolver:
    async def resolve(_host: str, _port: int) -> list[IPAddress]:
        return [ip_address(a) for a in addresses]

    return resolve


class RoutedToLoopback(httpcore.AsyncNetworkBackend):
    """Pretends the public address 93.184.216.34 is routed to our loopback server and
    fails the test if asked to connect anywhere else (tests never leave loopback)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.asked: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.asked.append(host)
        assert host == "93.184.216.34", f"tried to connect to {host}"
        return await httpcore.AnyIOBackend().connect_tcp("127.0.0.1", self.port, timeout)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def test_localhost_refused_at_connect_with_the_system_resolver() -> None:
    async with LoopbackServer() as server:
        with pytest.raises(BlockedAddress, match="loopback"):
            await GuardedBackend(allow_private=False).connect_tcp("localhost", server.port)
        assert server.connections == 0


async def test_name_resolving_to_loopback_refused_at_connect() -> None:
    """The URL check passes (an ordinary name); the connect-time check refuses."""
    async with LoopbackServer() as server:
        transport = guarded_transport(allow_private=False, resolver=static("127.0.0.1"))
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(BlockedAddress, match=r"127\.0\.0\.1"):
                await client.get(f"http://innocent.test:{server.port}/actor")
        result = failed(
            await SafeFetcher(transport=transport, allow_private=False).fetch_activity(
                f"http://innocent.test:{server.port}/actor"
            )
        )
        assert "127.0.0.1" in result.reason and not result.retryable
        assert server.connections == 0


async def test_localhost_allowed_for_private_nodes() -> None:
    async with LoopbackServer() as server:
        fetcher = SafeFetcher(transport=guarded_transport(allow_private=True), allow_private=True)
        url = f"http://localhost:{server.port}/actor"
        assert ok(await fetcher.fetch_activity(url)).document["id"] == url
        async with httpx.AsyncClient(transport=guarded_transport(allow_private=True)) as client:
            response = await client.get(f"http://127.0.0.1:{server.port}/x")
            assert response.status_code == 200 and response.json()["type"] == "Note"
        await fetcher.aclose()


async def test_dns_rebinding_second_answer_refused() -> None:
    """Fedify CVE-2024-39687: first answer public, second 127.0.0.1; each connection
    is checked against the address it actually uses."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(_host: str, _port: int) -> list[IPAddress]:
        return [ip_address(a) for a in next(answers)]

    async with LoopbackServer() as server:
        routed = RoutedToLoopback(server.port)
        transport = guarded_transport(allow_private=False, resolver=rebinding, inner=routed)
        fetcher = SafeFetcher(transport=transport, allow_private=False)
        ok(await fetcher.fetch_activity("http://rebind.test:8080/actor"))
        second = failed(await fetcher.fetch_activity("http://rebind.test:8080/actor"))
        assert "127.0.0.1" in second.reason and not second.retryable
        assert routed.asked == ["93.184.216.34"] and server.connections == 1
        await fetcher.aclose()


async def test_any_forbidden_answer_refuses_the_name() -> None:
    async with LoopbackServer() as server:
        routed = RoutedToLoopback(server.port)
        resolver = static("93.184.216.34", "10.0.0.7")
        transport = guarded_transport(allow_private=False, resolver=resolver, inner=routed)
        result = failed(
            await SafeFetcher(transport=transport, allow_private=False).fetch_activity(
                "http://mixed.test/actor"
            )
        )
        assert "10.0.0.7" in result.reason and routed.asked == []


async def test_connection_refused_is_retryable() -> None:
    async with LoopbackServer() as server:
        port = server.port
    fetcher = SafeFetcher(transport=guarded_transport(allow_private=True), allow_private=True)
    result = failed(await fetcher.fetch_activity(f"http://127.0.0.1:{port}/actor"))
    assert result.retryable and "ConnectError" in result.reason


def self_signed(name: str, directory: Path) -> tuple[Path, Path, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (directory / "cert.pem").write_bytes(cert_pem)
    (directory / "key.pem").write_bytes(key_pem)
    return directory / "cert.pem", directory / "key.pem", cert_pem.decode()


async def test_tls_uses_the_hostname_for_sni_and_verification(tmp_path: Path) -> None:
    """The socket goes to the vetted IP; the certificate is checked against the name."""
    cert, key, cert_pem = self_signed("ionode-sni.test", tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    async with LoopbackServer(tls=server_tls) as server:
        client_tls = ssl.create_default_context(cadata=cert_pem)
        transport = guarded_transport(
            allow_private=True, resolver=static("127.0.0.1"), ssl_context=client_tls
        )
        fetcher = SafeFetcher(transport=transport, allow_private=True)
        url = f"https://ionode-sni.test:{server.port}/actor"
        assert ok(await fetcher.fetch_activity(url)).url == url
        assert server.server_names == ["ionode-sni.test"]
        await fetcher.aclose()


@pytest.mark.parametrize(
    "url",
    ["https://xn--/", "http://\x00/", "https://[::1/", "https://a.example:65536/", "",
     "//a.example", "https://\udcff.example/", "https:/a.example", "https://[fe80::1%25eth0]/"],
)
async def test_hostile_urls_fail_cleanly(url: str) -> None:
    remote = FakeRemote()
    assert not failed(await fetcher(remote).fetch_activity(url)).retryable
