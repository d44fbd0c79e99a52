"""A real LitePub relay (activityrelay 0.3.5 from PyPI) between two real nodes.

Both nodes subscribe to the relay (``ionode network follow --relay``: ``Follow{as:Public}``);
activityrelay accepts and follows each node actor back; a hub post on node A goes to
the relay as the hub's own Announce, the relay Announces the object id to node B, and
B refetches it from A and stores it with its origin. All traffic stays on loopback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from federation_tests.nodes import NodeProcess, wait_for
from federation_tests.relay_peer import RelayPeer, ensure_installed

NODE_HOSTS = ("127.0.0.2", "127.0.0.3")


@pytest.fixture
def relay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RelayPeer]:
    peer = RelayPeer(binary=ensure_installed(), data_dir=tmp_path / "relay",
                     node_hosts=NODE_HOSTS)
    # the relay and the nodes (started after this) trust the TLS fronts' certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(peer.make_certificate()))
    try:
        peer.start()
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def make_node(tmp_path: Path,
              relay: RelayPeer) -> Iterator[Callable[[str, str], NodeProcess]]:
    """Nodes at ``https://HOST`` (a TLS front on port 443 before each), on loopback
    addresses of their own: activityrelay takes an instance's identity from the hostname
    alone, fetches NodeInfo at ``https://HOST/``, and signs ``host`` without a port."""
    started: list[NodeProcess] = []

    def make(name: str, host: str) -> NodeProcess:
        data = tmp_path / name
        data.mkdir()
        node = NodeProcess(name=name, database=f"sqlite:///{data / 'ionode.db'}",
                           data_dir=data, host=host, public_url=f"https://{host}")
        relay.front_node(host, node.port)
        node.cli("migrate")
        node.start()
        started.append(node)
        return node

    yield make
    for node in started:
        node.stop()


def accepted(node: NodeProcess, actor: str) -> bool:
    return bool(node.query("SELECT id FROM follow WHERE following = :a AND state = "
                           "'accepted'", a=actor))


def test_nodes_exchange_hub_posts_through_activityrelay(
    relay: RelayPeer, make_node: Callable[[str, str], NodeProcess],
) -> None:
    a, b = make_node("a", NODE_HOSTS[0]), make_node("b", NODE_HOSTS[1])
    a.cli("user", "create", "nate", "--password-stdin", stdin="correct horse battery\n")
    a.cli("hub", "create", "portshutdown", "--title", "West Coast Port Shutdown",
          "--admin", "nate")
    for node in (a, b):
        node.cli("network", "follow", "--relay", relay.uri)
    for node in (a, b):
        wait_for(lambda n=node: accepted(n, relay.uri), 60,  # type: ignore[misc]
                 f"{node.name} never saw the relay's Accept; relay log:\n{relay.log()}")
    # activityrelay follows each (non-Mastodon) subscriber back: A now relays to it
    wait_for(lambda: a.query("SELECT id FROM follow WHERE follower = :r AND state = "
                             "'accepted'", r=relay.uri), 60,
             f"the relay never followed A back; relay log:\n{relay.log()}")
    assert f"{relay.uri}\trelay\taccepted" in a.cli("network", "following")

    a.cli("post", "--as", "nate", "--hub", "portshutdown", "Picket at berth 5 at dawn")
    rows = wait_for(lambda: b.query(
        "SELECT i.object_uri, i.origin_host, i.via FROM network_item i JOIN stored_object o "
        "ON o.uri = i.object_uri"), 60,
        f"B never received A's post through the relay; relay log:\n{relay.log()}")
    (item,) = rows
    assert item["object_uri"].startswith(f"{a.url}/objects/")
    assert item["origin_host"] == NODE_HOSTS[0]
    assert item["via"] == relay.uri
