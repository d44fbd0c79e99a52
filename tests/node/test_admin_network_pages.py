"""/admin/network: the operator follows nodes and relays, answers follow requests and
sets the follow policy from the browser, with the CLI's rules and refusals."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from node.activitypub.models import Delivery, Follow, LocalActor, OutboxActivity
from node.settings import Settings
from tests.conftest import NOW
from tests.node.admin_network_support import PEER_ACTOR, PEER_SITE, FakeNode
from tests.node.admin_support import add_admin, add_follow, page_token, signed_in
from tests.node.web_support import MovableClock, add_organizer

BASE = "https://philly.example"
PAGE = "/admin/network"
OTHER = "https://berlin.example/actor"
_follow = Follow.__table__  # type: ignore[attr-defined]
_delivery = Delivery.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


@pytest.fixture
def fake() -> FakeNode:
    return FakeNode()


@pytest.fixture
def app(settings: Settings, engine: Engine, fake: FakeNode) -> Starlette:
    add_admin(engine, "ada")
    add_organizer(engine, "nate")
    return fake.app(settings, MovableClock(NOW))


@pytest.fixture
def anonymous(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as c:
        yield c


@pytest.fixture
def admin(anonymous: TestClient) -> TestClient:
    return signed_in(anonymous, "ada")


def post(client: TestClient, path: str, **data: str) -> httpx.Response:
    return client.post(f"{PAGE}/{path}", data={"csrf_token": page_token(client, PAGE), **data})


def our_follows(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.following, r.state) for r in conn.execute(
            select(_follow).where(_follow.c.follower == f"{BASE}/actor"))]


def queued(engine: Engine, kind: str) -> list[dict[str, object]]:
    """The activities of ``kind`` queued for delivery to the peer's inbox."""
    with engine.connect() as conn:
        found = conn.execute(select(_outbox.c.document).join(
            _delivery, _delivery.c.activity_id == _outbox.c.id)
            .where(_delivery.c.inbox == f"{PEER_SITE}/inbox")).scalars()
        documents = [d if isinstance(d, dict) else orjson.loads(d) for d in found]
    return [d for d in documents if d["type"] == kind]


def test_anonymous_visitors_sign_in_and_organizers_get_403(anonymous: TestClient) -> None:
    response = anonymous.get(PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={PAGE}"
    assert anonymous.post(f"{PAGE}/policy", data={"policy": "open"}).status_code == 303
    nate = signed_in(anonymous, "nate")
    assert nate.get(PAGE).status_code == 403
    token = page_token(nate, "/account")
    for path in ("follow", "unfollow", "approve", "reject", "policy"):
        response = nate.post(f"{PAGE}/{path}", data={"csrf_token": token, "target": PEER_SITE,
                                                     "actor": OTHER, "policy": "approval"})
        assert response.status_code == 403


def test_every_post_needs_the_csrf_token(admin: TestClient, engine: Engine) -> None:
    response = admin.post(f"{PAGE}/policy", data={"policy": "approval"})
    assert response.status_code == 403
    response = admin.post(f"{PAGE}/follow", data={"csrf_token": "forged", "target": PEER_SITE})
    assert response.status_code == 403
    assert our_follows(engine) == []
    assert 'value="open" checked' in admin.get(PAGE).text


def test_the_admin_page_links_here(admin: TestClient) -> None:
    assert f'href="{PAGE}"' in admin.get("/admin").text


def test_following_a_node_by_its_site_url_queues_the_follow(admin: TestClient,
                                                            engine: Engine) -> None:
    response = post(admin, "follow", target=PEER_SITE)
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?saved=follow"
    assert our_follows(engine) == [(PEER_ACTOR, "pending")]
    (follow,) = queued(engine, "Follow")
    assert follow["actor"] == f"{BASE}/actor" and follow["object"] == PEER_ACTOR
    page = admin.get(response.headers["location"]).text
    assert "The follow request is sent" in page
    assert PEER_ACTOR in page and "pending" in page and "never" in page
    assert f'aria-label="Unfollow {PEER_ACTOR}"' in page

    again = post(admin, "follow", target="@ionode@oakland.example")
    assert again.status_code == 400
    assert f"This node already follows {PEER_ACTOR} (pending)." in again.text
    assert 'value="@ionode@oakland.example"' in again.text  # what was typed stays
    assert 'aria-describedby="target-hint follow-error"' in again.text


def test_subscribing_to_a_relay(admin: TestClient, engine: Engine) -> None:
    assert post(admin, "follow", target=PEER_ACTOR, relay="1").status_code == 303
    (follow,) = queued(engine, "Follow")
    assert follow["object"] == "https://www.w3.org/ns/activitystreams#Public"
    assert ">relay<" in admin.get(PAGE).text


@pytest.mark.parametrize(("target", "relay", "refusal"), [
    ("", "", "Name the node to follow"),
    (f"{PEER_SITE}/users/ana", "", "is a Person, not a node actor"),
    ("https://nowhere.example", "", "Cannot find the node actor of https://nowhere.example"),
    (f"{BASE}/actor", "1", "A node cannot follow itself."),
])
def test_refused_input_is_shown_on_the_form(admin: TestClient, engine: Engine, target: str,
                                           relay: str, refusal: str) -> None:
    response = post(admin, "follow", target=target, relay=relay)
    assert response.status_code == 400
    assert refusal in response.text
    assert 'role="alert"' in response.text
    assert f'value="{target}"' in response.text
    assert ("checked" in response.text.split('name="relay"')[1][:30]) == bool(relay)
    assert our_follows(engine) == []


def test_an_unreachable_node_is_refused_in_spanish_too(admin: TestClient, fake: FakeNode,
                                                       engine: Engine) -> None:
    fake.down = True
    response = post(admin, "follow", target=PEER_SITE)
    assert response.status_code == 400
    assert f"Cannot find the node actor of {PEER_SITE}" in response.text
    admin.cookies.set("lang", "es")
    response = post(admin, "follow", target=PEER_SITE)
    assert f"No se encuentra el actor de nodo de {PEER_SITE}" in response.text
    assert our_follows(engine) == []


def test_unfollowing_queues_the_undo_even_while_the_peer_is_down(
        admin: TestClient, fake: FakeNode, engine: Engine) -> None:
    assert post(admin, "follow", target=PEER_SITE).status_code == 303
    fake.down = True
    response = post(admin, "unfollow", actor=PEER_ACTOR)
    assert response.headers["location"] == f"{PAGE}?saved=unfollow"
    assert our_follows(engine) == []
    (undo,) = queued(engine, "Undo")
    assert undo["object"]["type"] == "Follow"  # type: ignore[index]
    refused = post(admin, "unfollow", actor=PEER_ACTOR)
    assert refused.status_code == 400 and "Cannot find" in refused.text


def test_approving_and_rejecting_requests(admin: TestClient, engine: Engine) -> None:
    assert post(admin, "policy", policy="approval").headers["location"] == \
        f"{PAGE}?saved=policy"
    with engine.connect() as conn:
        assert conn.execute(select(_actor.c.manually_approves_followers)
                            .where(_actor.c.kind == "node")).scalar_one()
    add_follow(engine, f"{BASE}/actor", PEER_ACTOR, "pending", NOW)
    add_follow(engine, f"{BASE}/actor", OTHER, "pending", NOW)
    page = admin.get(PAGE).text
    assert 'value="approval" checked' in page
    assert f'aria-label="Approve {PEER_ACTOR}"' in page and f'aria-label="Reject {OTHER}"' in page

    assert post(admin, "approve", actor=PEER_ACTOR).headers["location"] == \
        f"{PAGE}?saved=approve"
    assert post(admin, "reject", actor=OTHER).headers["location"] == f"{PAGE}?saved=reject"
    with engine.connect() as conn:
        rows = [(r.follower, r.state) for r in conn.execute(
            select(_follow).where(_follow.c.following == f"{BASE}/actor"))]
    assert rows == [(PEER_ACTOR, "accepted")]
    page = admin.get(PAGE).text
    assert "No request is waiting." in page and "accepted" in page

    refused = post(admin, "approve", actor=OTHER)
    assert refused.status_code == 400
    assert f"No pending follow request from {OTHER}." in refused.text


def test_an_unknown_policy_is_refused(admin: TestClient) -> None:
    response = post(admin, "policy", policy="closed")
    assert response.status_code == 400
    assert "Follow policy must be one of open, approval, not &#39;closed&#39;." in response.text
    assert 'value="open" checked' in response.text


def test_the_backfill_progress_shows_and_can_be_run_again(admin: TestClient,
                                                         engine: Engine) -> None:
    from sqlalchemy import insert

    from node.network.models import NetworkBackfill

    table = NetworkBackfill.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(insert(table).values(
            actor_uri=PEER_ACTOR, follower=f"{BASE}/actor", state="done", phase="finished",
            due_at=NOW, pages=3, stored=6, duplicates=1, refused=1, elapsed=1.0,
            last_error="tampered copy refused: invalid proof", outcome="read the whole outbox",
            created_at=NOW, updated_at=NOW))
    page = admin.get(PAGE).text
    assert "History pulled from followed actors" in page
    row = page.split('class="users network backfills"')[1].split("</table>")[0]
    for shown in (PEER_ACTOR, ">3<", ">6<", ">1<", "tampered copy refused: invalid proof"):
        assert shown in row
    response = post(admin, "backfill", actor=PEER_ACTOR)
    assert response.status_code == 303 and response.headers["location"] == f"{PAGE}?saved=backfill"
    with engine.connect() as conn:
        assert conn.execute(select(table.c.state, table.c.stored)).one() == ("queued", 0)
    refused = post(admin, "backfill", actor=OTHER)
    assert refused.status_code == 400 and f"This node does not follow {OTHER}." in refused.text
