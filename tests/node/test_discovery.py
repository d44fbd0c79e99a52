"""WebFinger, host-meta and NodeInfo as remote servers query them (one node in process)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, update
from starlette.testclient import TestClient

from node.activitypub.discovery import BadResource, Lookup, parse_resource
from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import LocalActor, OutboxActivity, StoredObject
from node.app import create_app
from node.settings import Settings
from tests.conftest import NOW

BASE = "https://philly.example"
AS_JSON = "application/activity+json"
NODEINFO = "http://nodeinfo.diaspora.software/ns/schema/"


@pytest.fixture
def client(settings: Settings, clock: Any) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock, start_workers=False)
    with TestClient(app, base_url=BASE) as test_client:
        yield test_client


def add_actor(engine: Engine, kind: str, username: str, **changes: Any) -> LocalActor:
    with engine.begin() as conn:
        actor = create_local_actor(conn, base_url=BASE, kind=kind, username=username, now=NOW)
        if changes:
            table = LocalActor.__table__  # type: ignore[attr-defined]
            conn.execute(update(table).where(table.c.id == actor.id).values(**changes))
    return actor


def finger(client: TestClient, resource: str, **params: Any) -> Any:
    return client.get("/.well-known/webfinger", params={"resource": resource, **params})


def self_links(jrd: dict[str, Any]) -> list[dict[str, Any]]:
    return [link for link in jrd["links"] if link["rel"] == "self"]


# --- WebFinger ------------------------------------------------------------------------


def test_webfinger_acct(client: TestClient, engine: Engine) -> None:
    add_actor(engine, "person", "nate")
    response = finger(client, "acct:nate@philly.example")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jrd+json"
    assert response.headers["access-control-allow-origin"] == "*"
    jrd = response.json()
    assert jrd["subject"] == "acct:nate@philly.example"
    assert jrd["aliases"] == [f"{BASE}/users/nate"]
    assert self_links(jrd) == [{"rel": "self", "type": AS_JSON, "href": f"{BASE}/users/nate"}]
    assert {
        "rel": "http://webfinger.net/rel/profile-page",
        "type": "text/html",
        "href": f"{BASE}/users/nate",
    } in jrd["links"]


def test_self_href_is_the_actor_id_and_mastodon_relookup_agrees(
    client: TestClient, engine: Engine
) -> None:
    # Mastodon: finger, fetch the actor, then finger acct:<preferredUsername>@<host of id>
    # again and require the same self link (app/services/resolve_account_service.rb).
    add_actor(engine, "group", "portshutdown")
    first = finger(client, "acct:portshutdown@philly.example").json()
    href = self_links(first)[0]["href"]
    actor = client.get(urlsplit(href).path, headers={"Accept": AS_JSON}).json()
    assert actor["id"] == href  # byte for byte
    again = finger(client, f"acct:{actor['preferredUsername']}@{urlsplit(actor['id']).netloc}")
    assert again.status_code == 200
    assert self_links(again.json()) == self_links(first)


@pytest.mark.parametrize(
    "resource",
    [
        "acct:NATE@Philly.Example",
        "acct:nate@philly.example.",
        "acct:nate@philly.example:443",
        "ACCT:nate@philly.example",
        "acct:@nate@philly.example",
        f"{BASE}/users/nate",
        "https://PHILLY.example/users/nate",
        "https://philly.example:443/users/nate#main-key",
    ],
)
def test_webfinger_spellings_of_one_actor(
    client: TestClient, engine: Engine, resource: str
) -> None:
    add_actor(engine, "person", "nate")
    response = finger(client, resource)
    assert response.status_code == 200, response.text
    assert self_links(response.json())[0]["href"] == f"{BASE}/users/nate"
    assert response.json()["subject"] == "acct:nate@philly.example"


@pytest.mark.parametrize(
    "resource", ["acct:ionode@philly.example", f"{BASE}/actor", BASE, f"{BASE}/"]
)
def test_the_node_actor_is_discoverable(client: TestClient, resource: str) -> None:
    response = finger(client, resource)
    assert response.status_code == 200
    jrd = response.json()
    assert jrd["subject"] == "acct:ionode@philly.example"
    assert self_links(jrd) == [{"rel": "self", "type": AS_JSON, "href": f"{BASE}/actor"}]
    service = [
        link
        for link in jrd["links"]
        if link["rel"] == "https://www.w3.org/ns/activitystreams#Service"
    ]
    assert service == [
        {
            "rel": "https://www.w3.org/ns/activitystreams#Service",
            "type": AS_JSON,
            "href": f"{BASE}/actor",
        }
    ]  # FEP-d556


def test_rel_filters_links(client: TestClient, engine: Engine) -> None:
    add_actor(engine, "person", "nate")
    response = client.get("/.well-known/webfinger?resource=acct:nate@philly.example&rel=self")
    assert [link["rel"] for link in response.json()["links"]] == ["self"]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "resource=",
        "resource=nate",
        "resource=nate@philly.example",  # RFC 7033 §4.5: the resource is a URI
        "resource==acct:nate@philly.example",
        f"resource={quote('=acct:nate@philly.example')}",
        "resource=acct:nate",
        "resource=acct:@philly.example",
        "resource=acct:nate@",
        "resource=acct:nate@philly.example/extra",
        "resource=acct:nate@philly.example:notaport",
        "resource=https://[broken/users/nate",
        "resource=https:///users/nate",
        f"resource={quote('acct:nate@philly.example' + chr(10))}x",
        "resource=acct:nate@philly.example&resource=acct:joan@philly.example",
        "resource=" + "a" * 2000 + "@philly.example",
    ],
)
def test_webfinger_bad_requests(client: TestClient, engine: Engine, query: str) -> None:
    add_actor(engine, "person", "nate")
    response = client.get(f"/.well-known/webfinger?{query}")
    assert response.status_code == 400
    assert "error" in response.json()
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    "resource",
    [
        "acct:joan@philly.example",
        "acct:nate@oakland.example",
        "acct:nate@philly.example.evil.example",
        "acct:nate@philly.example:8443",
        "https://oakland.example/users/nate",
        "http://philly.example/users/nate",
        f"{BASE}/users/joan",
        f"{BASE}/users/nate/outbox",
        f"{BASE}/users/nate?x=1",
        "mailto:nate@philly.example",
        "did:web:philly.example",
        "acct:na%00te@philly.example",
        "acct:nate%40x@philly.example",
        "acct:" + "a" * 200 + "@philly.example",
        "acct:ünïcode@philly.example",
    ],
)
def test_webfinger_not_found(client: TestClient, engine: Engine, resource: str) -> None:
    add_actor(engine, "person", "nate")
    response = finger(client, resource)
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"


def test_webfinger_gone_for_a_deleted_actor(client: TestClient, engine: Engine) -> None:
    add_actor(engine, "person", "gone", deleted_at=NOW)
    for resource in ("acct:gone@philly.example", f"{BASE}/users/gone"):
        response = finger(client, resource)
        assert response.status_code == 410
        assert response.headers["access-control-allow-origin"] == "*"


FUZZ_SETTINGS = Settings(url=BASE, database="sqlite://", secret_key="x")


@given(
    st.one_of(
        st.text(max_size=200),
        st.builds(lambda u, h: f"acct:{u}@{h}", st.text(max_size=40), st.text(max_size=40)),
        st.builds(lambda p: f"https://philly.example/{p}", st.text(max_size=60)),
    )
)
def test_parse_resource_never_fails_unexpectedly(resource: str) -> None:
    # Any string is either parsed, refused as malformed (400), or not ours (404).
    try:
        result = parse_resource(resource, FUZZ_SETTINGS)
    except BadResource:
        return
    assert result is None or isinstance(result, Lookup)


# --- host-meta ------------------------------------------------------------------------


def test_host_meta_xrd(client: TestClient) -> None:
    response = client.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xrd+xml"
    assert response.headers["access-control-allow-origin"] == "*"
    root = ET.fromstring(response.content)
    ns = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"
    assert root.tag == f"{ns}XRD"
    links = root.findall(f"{ns}Link")
    assert [(link.get("rel"), link.get("template")) for link in links] == [
        ("lrdd", f"{BASE}/.well-known/webfinger?resource={{uri}}")
    ]


def test_host_meta_json(client: TestClient) -> None:
    response = client.get("/.well-known/host-meta.json")
    assert response.headers["content-type"] == "application/jrd+json"
    assert response.json() == {
        "links": [{"rel": "lrdd", "template": f"{BASE}/.well-known/webfinger?resource={{uri}}"}]
    }


# --- NodeInfo -------------------------------------------------------------------------


def test_nodeinfo_discovery(client: TestClient) -> None:
    response = client.get("/.well-known/nodeinfo")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["links"] == [
        {"rel": f"{NODEINFO}2.0", "href": f"{BASE}/nodeinfo/2.0"},
        {"rel": f"{NODEINFO}2.1", "href": f"{BASE}/nodeinfo/2.1"},
        {"rel": "https://www.w3.org/ns/activitystreams#Application", "href": f"{BASE}/actor"},
    ]


def test_fep_2677_application_actor_answers_unsigned(client: TestClient) -> None:
    links = client.get("/.well-known/nodeinfo").json()["links"]
    href = next(link["href"] for link in links if link["rel"].endswith("#Application"))
    actor = client.get(urlsplit(href).path, headers={"Accept": AS_JSON})
    assert actor.status_code == 200
    assert actor.json()["type"] == "Application"
    assert actor.json()["id"] == href


PROTOCOLS = {
    "activitypub",
    "buddycloud",
    "dfrn",
    "diaspora",
    "libertree",
    "ostatus",
    "pumpio",
    "tent",
    "xmpp",
    "zot",
}


def check_nodeinfo_schema(doc: dict[str, Any], version: str) -> None:
    """The required keys and closed objects of jhass/nodeinfo schemas/2.0 and 2.1."""
    keys = {
        "version",
        "software",
        "protocols",
        "services",
        "openRegistrations",
        "usage",
        "metadata",
    }
    assert set(doc) == keys
    assert doc["version"] == version
    optional = {"repository", "homepage"} if version == "2.1" else set()
    software_keys = {"name", "version"} | optional
    assert {"name", "version"} <= set(doc["software"]) <= software_keys
    assert re.fullmatch(r"[a-z0-9-]+", doc["software"]["name"])
    assert isinstance(doc["software"]["version"], str)
    assert doc["protocols"] and set(doc["protocols"]) <= PROTOCOLS
    assert set(doc["services"]) == {"inbound", "outbound"}
    assert isinstance(doc["openRegistrations"], bool)
    assert set(doc["usage"]) <= {"users", "localPosts", "localComments"}
    assert set(doc["usage"]["users"]) <= {"total", "activeHalfyear", "activeMonth"}
    for value in [*doc["usage"]["users"].values(), doc["usage"].get("localPosts", 0)]:
        assert isinstance(value, int) and value >= 0
    assert isinstance(doc["metadata"], dict)


@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_nodeinfo_document(client: TestClient, version: str) -> None:
    response = client.get(f"/nodeinfo/{version}")
    assert response.status_code == 200
    assert response.headers["content-type"] == (f'application/json; profile="{NODEINFO}{version}#"')
    assert response.headers["access-control-allow-origin"] == "*"
    doc = response.json()
    check_nodeinfo_schema(doc, version)
    assert doc["software"]["name"] == "ionode"
    assert doc["protocols"] == ["activitypub"]
    assert doc["openRegistrations"] is False
    assert doc["metadata"]["nodeName"] == "Philly GA"


def test_nodeinfo_usage_counts(client: TestClient, engine: Engine) -> None:
    nate = add_actor(engine, "person", "nate")
    joan = add_actor(engine, "person", "joan")
    add_actor(engine, "person", "gone", deleted_at=NOW)
    hub = add_actor(engine, "group", "portshutdown")
    outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
    objects = StoredObject.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for n, (actor, age) in enumerate([(nate, 3), (joan, 90), (hub, 1), (nate, 400)]):
            conn.execute(
                insert(outbox).values(
                    uri=f"{BASE}/activities/{n}",
                    actor_id=actor.id,
                    type="Create",
                    document={"id": f"{BASE}/activities/{n}"},
                    body=b"{}",
                    published=NOW - timedelta(days=age),
                )
            )
        for n, (local, deleted) in enumerate(
            [(True, None), (True, None), (True, NOW), (False, None)]
        ):
            conn.execute(
                insert(objects).values(
                    uri=f"{BASE}/objects/{n}" if local else f"https://oakland.example/o/{n}",
                    type="Note",
                    local=local,
                    document={},
                    received_at=NOW,
                    deleted_at=deleted,
                )
            )
    usage = client.get("/nodeinfo/2.1").json()["usage"]
    assert usage == {
        "users": {"total": 2, "activeMonth": 1, "activeHalfyear": 2},
        "localPosts": 2,
    }
