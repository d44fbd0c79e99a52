"""WebFinger account resolution against recorded JRDs (RFC 7033, Mastodon's webfinger.rb)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from node.activitypub.fetch import SafeFetcher
from node.activitypub.resolve import ResolveFailed, parse_account, resolve_account, webfinger_url
from tests.fixtures.remote.fakes import JRD, FakeRemote, load

ANA = "https://mastodon.social/users/ana"
WF = "https://mastodon.social/.well-known/webfinger?resource=acct:ana@mastodon.social"


def fetcher(remote: FakeRemote, *, allow_private: bool = False) -> SafeFetcher:
    return SafeFetcher(transport=remote.transport(), allow_private=allow_private)


def failed(result: str | ResolveFailed) -> ResolveFailed:
    assert isinstance(result, ResolveFailed), result
    return result


@pytest.fixture
def remote() -> FakeRemote:
    fake = FakeRemote()
    fake.fixture(WF, "mastodon.social/webfinger-ana.json", content_type=JRD)
    fake.fixture(ANA, "mastodon.social/users-ana.json")
    return fake


@pytest.mark.parametrize(
    "target", ["acct:ana@mastodon.social", "@ana@mastodon.social", "ana@mastodon.social",
               " @ana@Mastodon.Social. "],
)
async def test_mastodon_account(remote: FakeRemote, target: str) -> None:
    assert await resolve_account(fetcher(remote), target) == ANA
    request = remote.requests[0]
    assert str(request.url) == WF
    assert "application/jrd+json" in request.headers["accept"]


async def test_actor_url_fetched_and_checked(remote: FakeRemote) -> None:
    assert await resolve_account(fetcher(remote), ANA) == ANA
    assert remote.hits(ANA) == 1


async def test_url_that_is_not_an_actor(remote: FakeRemote) -> None:
    url = "https://mastodon.social/users/ana/statuses/1"
    remote.json(url, {"id": url, "type": "Note"})
    assert "not a usable actor" in failed(await resolve_account(fetcher(remote), url)).reason


async def test_jrd_served_as_application_json(remote: FakeRemote) -> None:
    remote.fixture(WF, "mastodon.social/webfinger-ana.json", content_type="application/json")
    assert await resolve_account(fetcher(remote), "ana@mastodon.social") == ANA


def jrd_with(links: list[dict[str, Any]]) -> dict[str, Any]:
    jrd = load("mastodon.social/webfinger-ana.json")
    jrd["links"] = [link for link in jrd["links"] if link["rel"] != "self"] + links
    return jrd


async def test_missing_self_link(remote: FakeRemote) -> None:
    remote.json(WF, jrd_with([]), content_type=JRD)
    result = failed(await resolve_account(fetcher(remote), "ana@mastodon.social"))
    assert "no ActivityStreams rel=self" in result.reason and not result.retryable


async def test_self_link_of_another_type_ignored(remote: FakeRemote) -> None:
    remote.json(WF, jrd_with([{"rel": "self", "type": "text/html", "href": ANA}]), content_type=JRD)
    failed(await resolve_account(fetcher(remote), "ana@mastodon.social"))


async def test_two_self_links_refused(remote: FakeRemote) -> None:
    links = [
        {"rel": "self", "type": "application/activity+json", "href": ANA},
        {"rel": "self", "type": "application/activity+json", "href": "https://evil.example/u/x"},
    ]
    remote.json(WF, jrd_with(links), content_type=JRD)
    assert "2 different rel=self" in failed(
        await resolve_account(fetcher(remote), "ana@mastodon.social")
    ).reason


async def test_duplicate_self_links_to_one_actor_accepted(remote: FakeRemote) -> None:
    ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    links = [
        {"rel": "self", "type": "application/activity+json", "href": ANA},
        {"rel": "self", "type": ld, "href": ANA},
    ]
    remote.json(WF, jrd_with(links), content_type=JRD)
    assert await resolve_account(fetcher(remote), "ana@mastodon.social") == ANA


async def test_self_link_that_is_not_a_url(remote: FakeRemote) -> None:
    links = [{"rel": "self", "type": "application/activity+json", "href": "file:///etc/passwd"}]
    remote.json(WF, jrd_with(links), content_type=JRD)
    failed(await resolve_account(fetcher(remote), "ana@mastodon.social"))


@pytest.mark.parametrize(
    ("status", "words", "retryable"),
    [(404, "no such account", False), (410, "gone", False), (503, "HTTP 503", True)],
)
async def test_webfinger_errors(
    remote: FakeRemote, status: int, words: str, retryable: bool
) -> None:
    remote.status(WF, status)
    result = failed(await resolve_account(fetcher(remote), "ana@mastodon.social"))
    assert words in result.reason and result.retryable is retryable


async def test_webfinger_redirect_to_forbidden_address(remote: FakeRemote) -> None:
    """Fedify CVE-2025-23221: WebFinger redirects pass the address policy too."""
    remote.redirect(WF, "http://169.254.169.254/latest/meta-data/")
    failed(await resolve_account(fetcher(remote), "ana@mastodon.social"))
    assert len(remote.requests) == 1


@pytest.mark.parametrize(
    "target", ["", "ana", "@ana", "ana@", "@@mastodon.social", "a@b@c", "ana@host/path",
               "ana@host?x", "ana@host:port", "mailto:ana@mastodon.social", "ftp://x.example/"],
)
async def test_not_an_account(remote: FakeRemote, target: str) -> None:
    failed(await resolve_account(fetcher(remote), target))
    assert remote.requests == []


def test_parse_account() -> None:
    assert parse_account("acct:Ana@Mastodon.Social") == ("Ana", "mastodon.social")
    assert parse_account("@nate@localhost:8001") == ("nate", "localhost:8001")
    assert parse_account("joan@bücher.example") == ("joan", "xn--bcher-kva.example")


def test_webfinger_uses_http_only_for_loopback_when_allowed() -> None:
    assert webfinger_url("nate", "localhost:8001", allow_http=True).startswith("http://localhost")
    assert webfinger_url("nate", "127.0.0.2:8001", allow_http=True).startswith("http://127.0.0.2")
    assert webfinger_url("nate", "localhost:8001", allow_http=False).startswith("https://")
    assert webfinger_url("ana", "mastodon.social", allow_http=True).startswith("https://")


async def test_loopback_federation_account(remote: FakeRemote) -> None:
    url = "http://127.0.0.1:8001/.well-known/webfinger?resource=acct:nate@127.0.0.1:8001"
    actor = "http://127.0.0.1:8001/users/nate"
    links = [{"rel": "self", "type": "application/activity+json", "href": actor}]
    remote.json(url, {"subject": "acct:nate@127.0.0.1:8001", "links": links}, content_type=JRD)
    loopback = fetcher(remote, allow_private=True)
    assert await resolve_account(loopback, "nate@127.0.0.1:8001") == actor
    failed(await resolve_account(fetcher(remote), "nate@127.0.0.1:8001"))


async def test_no_answer_says_what_to_check_before_the_transport_words(
    remote: FakeRemote,
) -> None:
    """An organizer who mistyped a server's name read "WebFinger: ConnectError: Cannot
    connect to host ... [Name or service not known]" and nothing about what to do."""

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Cannot connect to host mastodon.social:443", request=request)

    remote.answer(WF, unreachable)
    result = failed(await resolve_account(fetcher(remote), "ana@mastodon.social"))
    assert result.reason.startswith("no answer from mastodon.social: check the address (")
    assert "ConnectError" in result.reason and result.retryable
