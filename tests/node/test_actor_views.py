"""Actor documents, collections, objects and activities, JSON or HTML by Accept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, update
from starlette.testclient import TestClient

from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import Follow, LocalActor, OutboxActivity, StoredObject
from node.app import create_app
from node.settings import Settings
from node.web.install import install_web
from tests.conftest import NOW

BASE = "https://philly.example"
AS_JSON = "application/activity+json"
LD_AS = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MASTODON = "application/activity+json, application/ld+json"


@pytest.fixture
def client(settings: Settings, clock: Any) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock, start_workers=False)
    install_web(app, settings)  # idempotent: a no-op once create_app wires the web layer
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as test_client:
        yield test_client


def add_actor(engine: Engine, kind: str, username: str, **changes: Any) -> LocalActor:
    with engine.begin() as conn:
        actor = create_local_actor(
            conn,
            base_url=BASE,
            kind=kind,
            username=username,
            now=NOW,
            display_name=username.title(),
            summary="<p>hello</p>",
        )
        if changes:
            table = LocalActor.__table__  # type: ignore[attr-defined]
            conn.execute(update(table).where(table.c.id == actor.id).values(**changes))
    return actor


def add_object(engine: Engine, name: str, *, to: list[str], **values: Any) -> dict[str, Any]:
    uri = f"{BASE}/objects/{name}"
    document = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": uri,
        "type": "Note",
        "attributedTo": f"{BASE}/users/nate",
        "content": "<p>strike</p>",
        "to": to,
        "published": "2026-11-21T11:00:00Z",
    }
    row = {
        "uri": uri,
        "type": "Note",
        "attributed_to": f"{BASE}/users/nate",
        "local": True,
        "document": document,
        "published": NOW,
        "received_at": NOW,
        **values,
    }
    with engine.begin() as conn:
        conn.execute(insert(StoredObject.__table__).values(**row))  # type: ignore[attr-defined]
    return document


def add_activity(
    engine: Engine, actor: LocalActor, n: int, *, public: bool = True, object_uri: str | None = None
) -> dict[str, Any]:
    uri = f"{BASE}/activities/{n}"
    document = {
        "id": uri,
        "type": "Create",
        "actor": actor.uri,
        "n": n,
        "to": [PUBLIC] if public else [f"{actor.uri}/followers"],
    }
    with engine.begin() as conn:
        conn.execute(
            insert(OutboxActivity.__table__).values(  # type: ignore[attr-defined]
                uri=uri,
                actor_id=actor.id,
                type="Create",
                public=public,
                document=document,
                body=b"{}",
                published=NOW + timedelta(minutes=n),
                object_uri=object_uri,
            )
        )
    return document


def add_follow(engine: Engine, follower: str, following: str, state: str = "accepted") -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(Follow.__table__).values(  # type: ignore[attr-defined]
                follower=follower,
                following=following,
                activity_id=f"{follower}#follow/{following}",
                state=state,
                created_at=NOW,
                updated_at=NOW,
            )
        )


def get_json(client: TestClient, path: str, accept: str = AS_JSON) -> Any:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


# --- actors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "path", "as_type"),
    [
        ("person", "nate", "/users/nate", "Person"),
        ("group", "portshutdown", "/hubs/portshutdown", "Group"),
        ("service", "newswire", "/services/newswire", "Service"),
    ],
)
def test_actor_json(
    client: TestClient, engine: Engine, kind: str, name: str, path: str, as_type: str
) -> None:
    add_actor(engine, kind, name)
    response = client.get(path, headers={"Accept": MASTODON})
    assert response.status_code == 200
    assert response.headers["content-type"] == AS_JSON
    assert "Accept" in response.headers["vary"]
    doc = response.json()
    assert doc["id"] == f"{BASE}{path}"  # the id is the URL fetched
    assert doc["type"] == as_type
    assert doc["preferredUsername"] == name
    assert doc["publicKey"]["id"] == f"{BASE}{path}#main-key"


def test_node_actor_is_an_application(client: TestClient) -> None:
    doc = get_json(client, "/actor")
    assert (doc["id"], doc["type"], doc["preferredUsername"]) == (
        f"{BASE}/actor",
        "Application",
        "ionode",
    )


def test_ld_json_profile_is_answered_in_kind(client: TestClient, engine: Engine) -> None:
    add_actor(engine, "person", "nate")
    response = client.get("/users/nate", headers={"Accept": LD_AS})
    assert response.headers["content-type"] == LD_AS
    assert response.json()["id"] == f"{BASE}/users/nate"


@pytest.mark.parametrize("accept", [BROWSER, "*/*", "text/html", None])
def test_actor_html_for_browsers(client: TestClient, engine: Engine, accept: str | None) -> None:
    add_actor(engine, "person", "nate")
    headers = {"Accept": accept} if accept else {}
    response = client.get("/users/nate", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Accept" in response.headers["vary"]
    assert response.headers["link"] == (
        f'<{BASE}/users/nate>; rel="alternate"; type="application/activity+json"'
    )


@pytest.mark.parametrize(
    "path",
    [
        "/hubs/nate",
        "/services/nate",
        "/users/portshutdown",
        "/users/ionode",
        "/users/joan",
        "/users/NATE",
        "/hubs/ionode",
    ],
)
def test_path_kind_must_match(client: TestClient, engine: Engine, path: str) -> None:
    add_actor(engine, "person", "nate")
    add_actor(engine, "group", "portshutdown")
    assert client.get(path, headers={"Accept": AS_JSON}).status_code == 404


@pytest.mark.parametrize("accept", [AS_JSON, BROWSER])
def test_deleted_actor_is_a_tombstone(client: TestClient, engine: Engine, accept: str) -> None:
    add_actor(engine, "person", "gone", deleted_at=NOW)
    response = client.get("/users/gone", headers={"Accept": accept})
    assert response.status_code == 410
    assert response.headers["content-type"] == AS_JSON
    assert response.json() == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{BASE}/users/gone",
        "type": "Tombstone",
        "formerType": "Person",
        "deleted": "2026-11-21T12:00:00Z",
    }
    assert client.get("/users/gone/outbox").status_code == 410


# --- collections ----------------------------------------------------------------------


def test_outbox_paging(client: TestClient, engine: Engine) -> None:
    nate = add_actor(engine, "person", "nate")
    public = [add_activity(engine, nate, n) for n in range(25)]
    for n in range(25, 28):
        add_activity(engine, nate, n, public=False)
    outbox = f"{BASE}/users/nate/outbox"
    collection = get_json(client, "/users/nate/outbox")
    assert collection == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": outbox,
        "type": "OrderedCollection",
        "totalItems": 25,
        "first": f"{outbox}?page=1",
        "last": f"{outbox}?page=2",
    }
    first = get_json(client, "/users/nate/outbox?page=1")
    assert first["type"] == "OrderedCollectionPage"
    assert first["partOf"] == outbox
    assert first["orderedItems"] == public[::-1][:20]  # newest first, stored documents
    assert first["next"] == f"{outbox}?page=2" and "prev" not in first
    second = get_json(client, "/users/nate/outbox?page=2")
    assert second["orderedItems"] == public[::-1][20:]
    assert second["prev"] == f"{outbox}?page=1" and "next" not in second
    beyond = get_json(client, "/users/nate/outbox?page=" + "9" * 30)
    assert beyond["orderedItems"] == []


@pytest.mark.parametrize("page", ["0", "-1", "abc", "", "1.0", "1e3", "%00", "1&page=2"])
def test_bad_page_numbers(client: TestClient, engine: Engine, page: str) -> None:
    add_actor(engine, "person", "nate")
    for collection in ("outbox", "followers", "following"):
        response = client.get(f"/users/nate/{collection}?page={page}")
        assert response.status_code == 400, (collection, page)


def test_followers_and_following_publish_counts_only(client: TestClient, engine: Engine) -> None:
    nate = add_actor(engine, "person", "nate")
    for n in range(3):
        add_follow(engine, f"https://oakland.example/users/u{n}", nate.uri)
    add_follow(engine, "https://oakland.example/users/pending", nate.uri, state="pending")
    add_follow(engine, nate.uri, "https://oakland.example/hubs/dockers")
    followers = f"{BASE}/users/nate/followers"
    assert get_json(client, "/users/nate/followers") == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": followers,
        "type": "OrderedCollection",
        "totalItems": 3,
    }
    assert "orderedItems" not in get_json(client, "/users/nate/followers?page=1")
    assert get_json(client, "/users/nate/following")["totalItems"] == 1
    assert "orderedItems" not in get_json(client, "/users/nate/following?page=1")


def test_featured_is_an_empty_collection(client: TestClient, engine: Engine) -> None:
    add_actor(engine, "group", "portshutdown")
    doc = get_json(client, "/hubs/portshutdown/collections/featured")
    assert doc == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{BASE}/hubs/portshutdown/collections/featured",
        "type": "OrderedCollection",
        "totalItems": 0,
        "orderedItems": [],
    }


def test_collections_of_the_node_actor(client: TestClient) -> None:
    for suffix in ("outbox", "followers", "following", "collections/featured"):
        assert get_json(client, f"/actor/{suffix}")["totalItems"] == 0


# --- objects and activities -----------------------------------------------------------


def test_object_json_is_the_stored_document(client: TestClient, engine: Engine) -> None:
    document = add_object(engine, "1", to=[PUBLIC])
    response = client.get("/objects/1", headers={"Accept": MASTODON})
    assert response.status_code == 200
    assert response.headers["content-type"] == AS_JSON
    assert "Accept" in response.headers["vary"]
    assert response.json() == document


def test_object_html(client: TestClient, engine: Engine) -> None:
    add_actor(engine, "person", "nate")
    add_object(engine, "1", to=[PUBLIC])
    response = client.get("/objects/1", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Accept" in response.headers["vary"]
    assert response.headers["link"] == (
        f'<{BASE}/objects/1>; rel="alternate"; type="application/activity+json"'
    )


@pytest.mark.parametrize("accept", [AS_JSON, BROWSER])
def test_not_public_is_the_same_404_as_missing(
    client: TestClient, engine: Engine, accept: str
) -> None:
    add_object(engine, "private", to=[f"{BASE}/users/nate/followers"])
    missing = client.get("/objects/missing", headers={"Accept": accept})
    private = client.get("/objects/private", headers={"Accept": accept})
    assert missing.status_code == private.status_code == 404
    assert missing.content == private.content
    assert missing.headers["content-type"] == private.headers["content-type"]


def test_deleted_object_is_a_tombstone(client: TestClient, engine: Engine) -> None:
    add_object(engine, "gone", to=[PUBLIC], deleted_at=NOW + timedelta(hours=1))
    response = client.get("/objects/gone", headers={"Accept": AS_JSON})
    assert response.status_code == 410
    assert response.json() == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{BASE}/objects/gone",
        "type": "Tombstone",
        "formerType": "Note",
        "deleted": "2026-11-21T13:00:00Z",
    }


def test_activity_documents(client: TestClient, engine: Engine) -> None:
    nate = add_actor(engine, "person", "nate")
    public = add_activity(engine, nate, 1)
    add_activity(engine, nate, 2, public=False)
    response = client.get("/activities/1", headers={"Accept": AS_JSON})
    assert response.headers["content-type"] == AS_JSON
    assert response.json() == public
    hidden = client.get("/activities/2", headers={"Accept": AS_JSON})
    missing = client.get("/activities/3", headers={"Accept": AS_JSON})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_activity_html_shows_its_object(client: TestClient, engine: Engine) -> None:
    nate = add_actor(engine, "person", "nate")
    add_object(engine, "1", to=[PUBLIC])
    add_activity(engine, nate, 1, object_uri=f"{BASE}/objects/1")
    response = client.get("/activities/1", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f"<{BASE}/activities/1>" in response.headers["link"]


# --- odd input never yields a 500 -----------------------------------------------------

ODD_PATHS = [
    "/users/%00",
    "/users/" + "a" * 5000,
    "/users/na%0Ate",
    "/users/%E2%80%AE",
    "/users/nate%20",
    "/hubs/..",
    "/users/nate/outbox?page=%00",
    "/users/nate/outbox?page[]=1",
    "/users/nate/outbox?page=" + "1" * 5000,
    "/users/nate/followers?page=%F0%9F%92%A5",
    "/objects/%00",
    "/objects/" + "x" * 3000,
    "/objects/%FF%FE",
    "/objects/a%2Fb",
    "/activities/%00",
    "/activities/" + "%C0%AF" * 10,
    "/actor?page=1",
    "/actor/outbox?page=-0",
    "/users/nate/collections/featured?page=x",
]


@pytest.mark.parametrize("accept", [AS_JSON, BROWSER, "\x7f;;q=x,,*/*;q=1e999"])
def test_odd_requests_never_fail(client: TestClient, engine: Engine, accept: str) -> None:
    add_actor(engine, "person", "nate")
    failed = []
    for path in ODD_PATHS:
        status = client.get(path, headers={"Accept": accept}).status_code
        if status >= 500:
            failed.append((path[:80], status))
    assert failed == []
