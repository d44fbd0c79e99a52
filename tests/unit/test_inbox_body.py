"""The inbox reads a capped body straight from ASGI messages (SECURITY.md, "Fetching")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from node.activitypub.inbox import InboxRefusal
from node.activitypub.inbox_front import read_capped_body

Receive = Callable[[], Awaitable[dict[str, Any]]]


def messages(*chunks: bytes, disconnect: bool = False) -> tuple[Receive, list[int]]:
    """An ASGI ``receive`` giving ``chunks`` in turn, and a list counting the calls."""
    calls: list[int] = []

    async def receive() -> dict[str, Any]:
        calls.append(1)
        index = len(calls) - 1
        if disconnect and index == len(chunks):
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunks[index],
                "more_body": index < len(chunks) - 1 or disconnect}

    return receive, calls


def read(headers: list[tuple[str, str]], receive: Receive, limit: int = 10) -> bytes:
    return anyio.run(lambda: read_capped_body(headers, receive, limit))


def test_chunks_are_joined() -> None:
    receive, _ = messages(b"abc", b"def")
    assert read([], receive) == b"abcdef"


def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    receive, calls = messages(b"x" * 11)
    with pytest.raises(InboxRefusal) as refused:
        read([("content-length", "11")], receive)
    assert refused.value.status == 413
    assert calls == []


def test_a_streamed_body_is_cut_off_at_the_cap() -> None:
    # Given no Content-Length (chunked), when the chunks pass the cap, then the read
    # stops there: the chunks after it are never received.
    receive, calls = messages(b"123456", b"78901", b"never read")
    with pytest.raises(InboxRefusal) as refused:
        read([], receive)
    assert refused.value.status == 413
    assert len(calls) == 2


@pytest.mark.parametrize("value", ["-1", "ten", "1e3", ""])
def test_a_malformed_content_length_is_a_400(value: str) -> None:
    receive, _ = messages(b"{}")
    with pytest.raises(InboxRefusal) as refused:
        read([("content-length", value)], receive)
    assert refused.value.status == 400


def test_a_client_that_disconnects_is_refused() -> None:
    receive, _ = messages(b"{", disconnect=True)
    with pytest.raises(InboxRefusal) as refused:
        read([], receive)
    assert refused.value.reason == "client disconnected"
