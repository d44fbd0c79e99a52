"""How fast one hub post reaches every node of a mesh of node follows (issue 9).

    .venv/bin/python bench/network.py [--nodes 5 20] [--posts 10]

Starts N real ``ionode serve`` processes on loopback, each on its own SQLite database,
and makes every node follow every other node (``follow_peer``, what ``ionode network
follow`` does). Then node 0 publishes ``--posts`` hub posts one after another; for each,
the bench waits until every other node's ``network_item`` table (what ``/network``
shows) holds it, and takes the delay between the origin storing the post and each node
storing it, from the rows' timestamps (one machine, one clock).
It prints p50, p99 and max of those delays over all (post, node) pairs, and the CPU
time node 0's process spent relaying (read from ``/proc``) divided by posts and by
followers. Issue 9's target: with 20 nodes, p99 at most 2 s from publish to visible
everywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from federation_tests.nodes import NodeProcess, wait_for
from node.commands import open_node
from node.network.follows import find_peer, follow_peer

PASSWORD = "correct horse battery\n"


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from ``/proc/PID/stat`` (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_nodes(count: int, root: Path) -> list[NodeProcess]:
    nodes = []
    for n in range(count):
        data = root / f"n{n}"
        data.mkdir()
        nodes.append(NodeProcess(name=f"n{n}", database=f"sqlite:///{data / 'ionode.db'}",
                                 data_dir=data))
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda node: (node.cli("migrate"), node.start()), nodes))
    except BaseException:  # one did not start: stop those that did, leave no process
        for node in nodes:
            node.stop()
        raise
    return nodes


def follow_everyone(node: NodeProcess, others: list[NodeProcess]) -> None:
    """``node`` asks to follow each of ``others`` (open policy: accepted at once)."""
    opened = open_node(argparse.Namespace(url=node.url, database=node.database,
                                          data=str(node.data_dir)))

    async def run() -> None:
        try:
            for other in others:
                target = await find_peer(opened, other.url, relay=False)
                with opened.engine.begin() as conn:
                    follow_peer(opened, conn, target, relay=False)
        finally:
            await opened.services.fetcher.aclose()

    try:
        asyncio.run(run())
    finally:
        opened.engine.dispose()


def accepted_follows(node: NodeProcess) -> int:
    return len(node.query("SELECT id FROM follow WHERE state = 'accepted' "
                          "AND follower LIKE '%/actor'"))


def mesh(nodes: list[NodeProcess]) -> None:
    for node in nodes:
        follow_everyone(node, [o for o in nodes if o is not node])
    want = len(nodes) - 1
    for node in nodes:
        wait_for(lambda node=node: accepted_follows(node) >= want, 120,  # type: ignore[misc]
                 f"{node.name} did not get its follows accepted")


def stored_at(node: NodeProcess, table: str, marker: str) -> datetime | None:
    """When ``node`` stored the object carrying ``marker`` (its own clock, in UTC)."""
    rows = node.query(f"SELECT t.received_at FROM {table} t JOIN stored_object o "
                      "ON o.uri = t.object_uri WHERE o.document LIKE :m", m=f"%{marker}%")
    return _utc(rows[0]["received_at"]) if rows else None


def _utc(value: datetime | str) -> datetime:
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def published_at(origin: NodeProcess, marker: str) -> datetime:
    rows = origin.query("SELECT received_at FROM stored_object WHERE document LIKE :m",
                        m=f"%{marker}%")
    return _utc(rows[0]["received_at"])


def publish_and_watch(origin: NodeProcess, others: list[NodeProcess], marker: str,
                      timeout: float = 60.0) -> list[float]:
    """Seconds from the origin storing the post to each other node storing it."""
    origin.cli("post", "--as", "nate", "--hub", "assembly", f"Picket at dawn {marker}")
    published, seen = published_at(origin, marker), {}
    deadline = time.monotonic() + timeout
    while len(seen) < len(others):
        for node in others:
            if node.name not in seen and (at := stored_at(node, "network_item", marker)):
                seen[node.name] = (at - published).total_seconds()
        if time.monotonic() > deadline:
            raise SystemExit(f"post {marker} reached {len(seen)} of {len(others)} nodes")
        time.sleep(0.05)
    return list(seen.values())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(count: int, posts: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ionode-bench-network-") as tmp:
        nodes = start_nodes(count, Path(tmp))
        try:
            origin, others = nodes[0], nodes[1:]
            origin.cli("user", "create", "nate", "--password-stdin", stdin=PASSWORD)
            origin.cli("hub", "create", "assembly", "--title", "Assembly", "--admin", "nate")
            started = time.monotonic()
            mesh(nodes)
            print(f"N={count}: mesh of {count * (count - 1)} follows accepted in "
                  f"{time.monotonic() - started:.1f} s")
            assert origin.process is not None
            cpu_before = cpu_seconds(origin.process.pid)
            delays = [d for p in range(posts)
                      for d in publish_and_watch(origin, others, f"bench-{count}-{p}")]
            cpu = cpu_seconds(origin.process.pid) - cpu_before
            print(f"N={count}: {posts} posts x {len(others)} nodes: publish to visible "
                  f"p50 {statistics.median(delays) * 1000:.0f} ms, "
                  f"p99 {percentile(delays, 0.99) * 1000:.0f} ms, "
                  f"max {max(delays) * 1000:.0f} ms")
            print(f"N={count}: origin CPU {cpu * 1000 / posts:.0f} ms a post, "
                  f"{cpu * 1000 / posts / len(others):.1f} ms a post a follower node")
        finally:
            for node in nodes:
                node.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[5, 20])
    parser.add_argument("--posts", type=int, default=10)
    args = parser.parse_args()
    for count in args.nodes:
        run(count, args.posts)


if __name__ == "__main__":
    main()
