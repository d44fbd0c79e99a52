"""A real SMTP server on loopback for the digest's tests (aiosmtpd in its own thread),
whose answers a test can steer: refuse a recipient with a code, or hold a command until
the test lets it go (to interrupt the sending worker at a known step)."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.newswire.digest.build import Made
from node.newswire.digest.subscribers import confirm, subscribe
from node.newswire.digest.tasks import digest_now
from node.newswire.moderation.service import approve
from node.newswire.submissions.rules import check_submission
from node.newswire.submissions.service import store_submission
from node.runtime import Node
from node.settings import Settings
from tests.conftest import NOW
from tests.node.web_support import MovableClock, web_app


class Mailbox:
    """The aiosmtpd handler: keeps every accepted message by recipient."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, EmailMessage]] = []
        self.refuse: dict[str, str] = {}  # address -> reply to RCPT ("550 ...")
        self.hold: tuple[str, str] | None = None  # ("RCPT" | "DATA", address)
        self.held = threading.Event()  # the held command has arrived
        self.release = threading.Event()

    async def _maybe_hold(self, step: str, address: str) -> None:
        if self.hold == (step, address):
            self.held.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 10)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        await self._maybe_hold("RCPT", address)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for address in envelope.rcpt_tos:
            await self._maybe_hold("DATA", address)
            parsed = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append((address, parsed))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for a, m in self.messages if a == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    yield box
    box.release.set()


@pytest.fixture
def smtp_url(mailbox: Mailbox) -> Iterator[str]:
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        mailbox.release.set()
        controller.stop()


BASE = "https://philly.example"


@pytest.fixture
def movable() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def app(settings: Settings, movable: MovableClock, smtp_url: str) -> Starlette:
    return web_app(dataclasses.replace(settings, smtp_url=smtp_url,
                                       mail_from="news@philly.example"), movable)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield c


@pytest.fixture
def node(app: Starlette, client: TestClient) -> Node:
    found = app.state.node
    assert isinstance(found, Node)
    return found


def approved_news(node: Node, title: str) -> None:
    with node.engine.begin() as conn:
        item_id, _ = store_submission(conn, check_submission(
            title=title, body=f"What happened: **{title}**.", links=[],
            source_url="https://example.org/src", submitter_name="Rosa", contact_email=""),
            now=node.clock())
        approve(node, conn, item_id, role="admin")


def subscribed(node: Node, *addresses: str) -> None:
    """Confirmed subscribers, as if each had followed the link in the mail."""
    with node.engine.begin() as conn:
        for address in addresses:
            token = subscribe(conn, address, "en", node.clock())
            assert token is not None
            confirm(conn, token, node.clock())


def weekly_digest(node: Node, movable: MovableClock) -> Made:
    movable.advance(hours=1)
    made = digest_now(node, node.clock())
    assert made is not None
    return made
