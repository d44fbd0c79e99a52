"""The "follow a source" form (``/hubs/{name}/sources/add``) against SECURITY.md:
whatever a steward types, and whatever a remote WebFinger answer or redirect names,
is fetched through the guarded fetcher (no loopback, private, link-local or mapped
address on any hop), and only a steward of that hub, with the session's CSRF token,
gets as far as a fetch."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest

from node.hubs.hub.service import create_hub
from node.settings import Settings
from tests.conftest import NOW
from tests.node.hub_pages_support import BASE, HTML, HUB, Site, open_site

EVIL = "evil.example"
#: hosts no request may reach (SECURITY.md "Fetching")
REFUSED = ("127.0.0.1", "169.254.169.254", "10.0.0.1", "[::ffff:7f00:1]", "[fe80::1]")


def _answer(request: httpx.Request) -> httpx.Response:
    """evil.example names refused addresses in every way a document can."""
    url = str(request.url)
    if request.url.host != EVIL:
        return httpx.Response(200, json={"id": url, "type": "Person"})
    if request.url.path == "/.well-known/webfinger":
        resource = request.url.params.get("resource", "")
        href = {
            f"acct:meta@{EVIL}": "http://169.254.169.254/latest/meta-data/",
            f"https://{EVIL}": "http://10.0.0.1/actor",
        }.get(resource, "http://127.0.0.1:5432/")
        body = {
            "subject": resource,
            "links": [{"rel": "self", "type": "application/activity+json", "href": href}],
        }
        return httpx.Response(
            200, content=orjson.dumps(body), headers={"content-type": "application/jrd+json"}
        )
    if request.url.path == "/users/hop":
        return httpx.Response(302, headers={"location": "http://[::ffff:7f00:1]/users/x"})
    return httpx.Response(404)


@pytest.fixture
def seen() -> list[httpx.Request]:
    return []


@pytest.fixture
def site(settings: Settings, seen: list[httpx.Request]) -> Iterator[Site]:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _answer(request)

    with open_site(settings, transport=httpx.MockTransport(handle)) as opened:
        with opened.node.engine.begin() as conn:
            create_hub(conn, base_url=BASE, name="otherhub", title="Another hub", now=NOW)
        opened.person("nate", "admin")
        opened.person("mia", "member")
        yield opened


@pytest.mark.parametrize(
    "typed",
    [
        "http://127.0.0.1:8000/users/x",
        "https://169.254.169.254/latest/meta-data/",
        "@ops@169.254.169.254",
        "https://[::ffff:7f00:1]/users/x",
        "https://[fe80::1]/users/x",
        "http://10.0.0.1/",
        "file:///etc/passwd",
        f"@meta@{EVIL}",  # its WebFinger names the metadata service
        f"!community@{EVIL}",  # names loopback
        f"https://{EVIL}",  # a site whose FEP-d556 answer names a private address
        f"https://{EVIL}/users/hop",  # redirects to an IPv4-mapped loopback
    ],
)
def test_a_source_naming_a_refused_address_is_refused_and_never_reached(
    site: Site, seen: list[httpx.Request], typed: str
) -> None:
    site.sign_in("nate")
    refused = site.send(f"/hubs/{HUB}/sources/add", {"source": typed})
    assert refused.status_code == 400 and 'id="source-error"' in refused.text
    assert not [r for r in seen if any(str(r.url).split("/")[2].startswith(h) for h in REFUSED)]
    assert site.outbox() == []


def test_only_a_steward_of_that_hub_with_the_token_reaches_a_fetch(
    site: Site, seen: list[httpx.Request]
) -> None:
    typed = {"source": f"https://{EVIL}/users/ana"}
    anonymous = site.client.post(f"/hubs/{HUB}/sources/add", data=typed)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    site.sign_in("mia")  # a member, not a steward
    assert site.send(f"/hubs/{HUB}/sources/add", typed).status_code == 403
    site.sign_in("nate")  # a steward here, nobody in otherhub
    assert site.send("/hubs/otherhub/sources/add", typed).status_code in (403, 404)
    assert site.send("/hubs/otherhub/sources/remove", typed).status_code in (403, 404)
    assert site.send(f"/hubs/{HUB}/sources/add", typed, token=False).status_code == 403
    assert site.client.get("/hubs/otherhub/links", headers=HTML).status_code in (403, 404)
    assert seen == [] and site.outbox() == []
