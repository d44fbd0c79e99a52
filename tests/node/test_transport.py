"""The delivery client: keep-alive to a real loopback server, and the SSRF guard's layers."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import certifi
import httpx
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from node.activitypub.delivery import DeliveryWorker
from node.activitypub.ssrf import RefusedAddress
from node.activitypub.transport import delivery_client, post_activity
from node.activitypub.transport_aiohttp import (
    GuardedResolver,
    guarded_socket_factory,
    session_factory,
    tls_context,
)
from node.activitypub.transport_parts import FirstUseClient
from tests.node.delivery_support import BODY, RAND, World


@dataclass
class Inbox:
    """A raw asyncio HTTP/1.1 server on 127.0.0.1 answering 202 to everything."""

    port: int = 0
    connections: int = 0
    bodies: list[bytes] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = 0
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                self.bodies.append(await reader.readexactly(length))
                writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def url(self, host: str = "localhost") -> str:
        return f"http://{host}:{self.port}/inbox"


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    server_state = Inbox()
    server = await asyncio.start_server(server_state.handle, "127.0.0.1", 0)
    server_state.port = server.sockets[0].getsockname()[1]
    async with server:
        yield server_state
        server.close()


class FakeDNS(AbstractResolver):
    """Answers every name with fixed addresses (no real DNS in tests)."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=socket.AF_INET6
                          if ":" in a else socket.AF_INET, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        return None


async def test_loopback_is_refused_unless_private_addresses_are_allowed(inbox: Inbox) -> None:
    async with delivery_client(allow_private=False, user_agent="ionode-test") as client:
        for url in (inbox.url("localhost"), inbox.url("127.0.0.1"), inbox.url("[::1]")):
            with pytest.raises(httpx.ConnectError, match="address policy"):
                await client.post(url, content=b"{}")
    assert inbox.connections == 0
    async with delivery_client(allow_private=True, user_agent="ionode-test") as client:
        response = await client.post(inbox.url("localhost"), content=b"{}")
    assert response.status_code == 202 and inbox.bodies == [b"{}"]


async def test_connections_are_kept_alive_and_reused(inbox: Inbox) -> None:
    async with delivery_client(allow_private=True, user_agent="ionode-test") as client:
        for n in range(20):
            response = await client.post(inbox.url("127.0.0.1"), content=b"%d" % n)
            assert response.status_code == 202
            assert response.request.headers["user-agent"] == "ionode-test"
    assert inbox.connections == 1 and len(inbox.bodies) == 20


async def test_a_name_resolving_to_loopback_is_refused_at_connect_time(inbox: Inbox) -> None:
    # A public-looking name passes the URL check; its DNS answer is what is refused
    # (DNS rebinding, Fedify CVE-2024-39687).
    # (httpx-aiohttp maps every aiohttp connection error to httpx.ConnectTimeout.)
    dns = FakeDNS("127.0.0.1")
    async with delivery_client(allow_private=False, user_agent="t", resolver=dns) as client:
        with pytest.raises(httpx.TransportError, match=r"resolves to 127\.0\.0\.1"):
            await client.post(inbox.url("inbox.rebind.test"), content=b"{}")
    assert inbox.connections == 0
    async with delivery_client(allow_private=True, user_agent="t", resolver=dns) as client:
        assert (await client.post(inbox.url("inbox.rebind.test"), content=b"{}")).is_success


@pytest.mark.parametrize(
    "answers",
    [("127.0.0.1",), ("93.184.215.14", "10.0.0.5"), ("169.254.169.254",), ("::ffff:127.0.0.1",),
     ("64:ff9b::a00:1",), ("100.64.0.1",), ("224.0.0.1",)],
)
async def test_resolver_refuses_names_with_any_forbidden_answer(answers: tuple[str, ...]) -> None:
    with pytest.raises(RefusedAddress):
        await GuardedResolver(allow_private=False, inner=FakeDNS(*answers)).resolve("x.test", 443)


async def test_resolver_passes_public_answers_through() -> None:
    resolver = GuardedResolver(allow_private=False, inner=FakeDNS("93.184.215.14", "2606:2800::1"))
    assert [r["host"] for r in await resolver.resolve("x.test", 443)] == [
        "93.184.215.14", "2606:2800::1"]
    await resolver.close()


async def test_every_session_verifies_tls_with_one_shared_context() -> None:
    """Each context holds the parsed CA bundle (~0.8 MB): deliveries and fetches share."""
    made = [session_factory(allow_private=False, max_connections=4, resolver=None)()
            for _ in range(2)]
    try:
        contexts = [session.connector._ssl for session in made]  # type: ignore[union-attr]
        assert contexts[0] is contexts[1]
        assert contexts[0].verify_mode == ssl.CERT_REQUIRED and contexts[0].check_hostname
        assert contexts[0].cert_store_stats()["x509_ca"] > 0
    finally:
        for session in made:
            await session.close()


def test_the_shared_context_follows_the_ca_bundle_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command run in a process whose ``SSL_CERT_FILE`` changed after the first context
    was made (the relay test's TLS fronts name their own CA) verifies against the bundle
    named now; a context made once for all refused the fronts' certificate."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    first = tls_context()
    assert tls_context() is first
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    named = tls_context()
    assert named is not first and tls_context() is named
    monkeypatch.delenv("SSL_CERT_FILE")
    assert tls_context() is first


def test_socket_factory_vets_the_exact_address_connected_to() -> None:
    refuse = guarded_socket_factory(allow_private=False)
    for address in ("127.0.0.1", "10.1.2.3", "169.254.169.254"):
        with pytest.raises(RefusedAddress):
            refuse((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 80)))
    with pytest.raises(RefusedAddress):
        refuse((socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 80, 0, 0)))
    refuse((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 80))).close()
    allow = guarded_socket_factory(allow_private=True)
    allow((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80))).close()
    with pytest.raises(RefusedAddress):  # link-local stays refused even when private is allowed
        allow((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80)))


async def test_worker_delivers_over_the_real_client(world: World, inbox: Inbox) -> None:
    world.enqueue(inbox.url("localhost"), inbox.url("127.0.0.1").replace("/inbox", "/shared"))
    async with delivery_client(allow_private=True, user_agent="ionode-test") as client:
        worker = DeliveryWorker(engine=world.engine, client=client, clock=world.clock,
                                worker_id="real", rand=lambda: RAND)
        assert await worker.run_once() == 2
    assert [r.state for r in world.rows()] == ["sent", "sent"]
    assert inbox.bodies == [BODY] * 2


async def test_worker_reuses_one_connection_per_server(world: World, inbox: Inbox) -> None:
    world.enqueue(*(inbox.url("127.0.0.1").replace("/inbox", f"/u/{n}/inbox") for n in range(30)))
    async with delivery_client(allow_private=True, user_agent="ionode-test") as client:
        worker = DeliveryWorker(engine=world.engine, client=client, clock=world.clock,
                                worker_id="real", rand=lambda: RAND, concurrency=1,
                                batch_size=30, request_deadline=5.0)
        assert await worker.run_once() == 30
    assert {r.state for r in world.rows()} == {"sent"}
    assert inbox.connections == 1 and len(inbox.bodies) == 30


async def test_worker_fails_a_forbidden_inbox_for_good(world: World, inbox: Inbox) -> None:
    world.enqueue(inbox.url("localhost"))
    async with delivery_client(allow_private=False, user_agent="ionode-test") as client:
        worker = DeliveryWorker(engine=world.engine, client=client, clock=world.clock,
                                worker_id="real", rand=lambda: RAND)
        await worker.run_once()
    row = world.row()
    assert (row.state, row.last_status) == ("failed", None)
    assert "address policy" in row.last_error and inbox.connections == 0


async def test_a_server_that_never_answers_hits_the_deadline(world: World) -> None:
    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    world.enqueue(f"http://127.0.0.1:{port}/inbox")
    async with server, delivery_client(allow_private=True, user_agent="t") as client:
        worker = DeliveryWorker(engine=world.engine, client=client, clock=world.clock,
                                worker_id="w", rand=lambda: RAND, request_deadline=0.2,
                                claim_ttl=timedelta(minutes=1))
        await worker.run_once()
        server.close()
    row = world.row()
    assert (row.state, row.attempts) == ("queued", 1) and "Timeout" in row.last_error



async def test_the_client_is_built_at_its_first_use_and_never_for_closing() -> None:
    """An idle node makes the delivery client with the app; httpx (and the client) wait
    for the first delivery or ping, and shutting down an unused one builds nothing."""
    built: list[httpx.AsyncClient] = []

    def build() -> httpx.AsyncClient:
        built.append(httpx.AsyncClient(transport=httpx.MockTransport(
            lambda request: httpx.Response(202, text=request.url.host))))
        return built[-1]

    unused = FirstUseClient(build)
    await unused.aclose()
    assert built == []
    client = FirstUseClient(build)
    assert (await client.post("https://inbox.example/x", content=b"{}")).text == "inbox.example"
    answer = await post_activity(client, "https://inbox.example/y", {}, b"{}", 5.0)
    assert (answer.status, answer.snippet, len(built)) == (202, "inbox.example", 1)
    await client.aclose()
    assert built[0].is_closed
