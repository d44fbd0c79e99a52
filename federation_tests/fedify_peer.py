"""The Fedify peer (``federation_tests/fedify/peer.mjs``) as a process the tests drive.

``ensure_installed`` runs ``npm ci`` once when ``node_modules`` is missing or stale;
``FedifyPeer`` starts ``node peer.mjs`` on a free loopback port and wraps its
``/_control/`` endpoints. A missing ``node`` or ``npm`` is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from federation_tests.nodes import NodeProcess, free_port, wait_for

PEER_DIR = Path(__file__).parent / "fedify"
#: --first-knock values of peer.mjs, by the short names the tests use.
FIRST_KNOCKS = {"rfc9421": "rfc9421", "draft-cavage": "draft-cavage-http-signatures-12"}
MIN_NODE_MAJOR = 20


class PeerSetupError(AssertionError):
    """Node.js, npm or the Fedify install is missing or broken."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PeerSetupError(
            f"`{name}` is not on PATH: the Fedify interop tests need Node.js >= "
            f"{MIN_NODE_MAJOR} and npm (https://nodejs.org/); they are never skipped"
        )
    return path


def _pinned_version() -> str:
    package = json.loads((PEER_DIR / "package.json").read_text())
    return str(package["dependencies"]["@fedify/fedify"])


def _installed_version() -> str | None:
    installed = PEER_DIR / "node_modules" / "@fedify" / "fedify" / "package.json"
    try:
        return str(json.loads(installed.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def ensure_installed() -> str:
    """Check Node.js and npm, run ``npm ci`` if needed; the path of ``node``."""
    node = _tool("node")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    major = int(version.lstrip("v").split(".")[0] or 0) if version else 0
    if major < MIN_NODE_MAJOR:
        raise PeerSetupError(
            f"Node.js {version or '?'} is too old: the Fedify peer needs >= {MIN_NODE_MAJOR}"
        )
    npm = _tool("npm")
    # One install at a time across pytest-xdist workers sharing this checkout.
    key = hashlib.sha256(str(PEER_DIR.resolve()).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"ionode-fedify-npm-{key}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version() != _pinned_version():
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=PEER_DIR,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0 or _installed_version() != _pinned_version():
                raise PeerSetupError(
                    f"`npm ci` in {PEER_DIR} failed ({done.returncode}):\n"
                    f"{done.stdout}\n{done.stderr}"
                )
    return node


@dataclass
class FedifyPeer:
    """One ``node peer.mjs`` process: a Fedify server with the Person ``tester``."""

    node: str
    first_knock: str
    log_dir: Path
    extra_args: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def actor(self) -> str:
        return f"{self.url}/users/tester"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "fedify-peer.log"

    @property
    def out_file(self) -> Path:
        return self.log_dir / "fedify-peer.out"

    def start(self) -> None:
        """Launch the process; :meth:`wait_ready` waits for it to answer."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        out = self.out_file.open("wb")
        self.process = subprocess.Popen(
            [
                self.node,
                "peer.mjs",
                "--port",
                str(self.port),
                "--first-knock",
                FIRST_KNOCKS[self.first_knock],
                "--log-file",
                str(self.log_file),
                *self.extra_args,
            ],
            cwd=PEER_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        out.close()

    def wait_ready(self, seconds: float = 30) -> None:
        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"the Fedify peer exited ({self.process.returncode}):\n{self.logs()}"
                )
            try:
                return self._client().get("/_control/actor").status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, seconds, f"the Fedify peer did not start:\n{self.logs()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, trust_env=False)

    def _call(self, method: str, path: str, **params: str) -> Any:
        with self._client() as client:
            response = client.request(method, f"/_control/{path}", params=params)
        if response.status_code != 200:
            raise AssertionError(
                f"peer {method} /_control/{path} {params} answered "
                f"{response.status_code}: {response.text}"
            )
        return response.json()

    def lookup(self, target: str) -> dict[str, Any]:
        """Fedify's ``lookupObject(target)``, reduced to the actor fields it parsed."""
        return dict(self._call("GET", "lookup", target=target))

    def follow(self, target: str) -> dict[str, str]:
        return dict(self._call("POST", "follow", target=target))

    def publish_event(self, **fields: str) -> dict[str, Any]:
        """``Create{Event}`` to every follower (name, start, end, location, content)."""
        return dict(self._call("POST", "event", **fields))

    def unfollow(self, target: str) -> dict[str, str]:
        return dict(self._call("POST", "unfollow", target=target))

    def received(self) -> list[dict[str, Any]]:
        """Activities that reached an inbox listener, i.e. that Fedify verified."""
        return list(self._call("GET", "received"))

    def deliveries(self) -> list[dict[str, Any]]:
        """Every inbox POST: signature scheme, HTTP-signature and proof checks, status."""
        return list(self._call("GET", "deliveries"))

    def outgoing(self) -> list[dict[str, Any]]:
        """Every request Fedify sent: method, url, signature scheme, response status."""
        return list(self._call("GET", "outgoing"))

    def errors(self) -> list[dict[str, Any]]:
        """Inbox-listener and delivery errors, and activities Fedify could not verify."""
        return list(self._call("GET", "errors"))

    def logs(self) -> str:
        parts = []
        for path in (self.out_file, self.log_file):
            text = path.read_text(errors="replace") if path.exists() else "(none)"
            parts.append(f"----- {path} -----\n{text[-30000:]}")
        return "\n".join(parts)


@contextlib.contextmanager
def diagnostics_on_failure(peer: FedifyPeer, *nodes: NodeProcess) -> Iterator[None]:
    """On any failure inside, print what the peer saw and the logs of peer and nodes."""
    try:
        yield
    except BaseException:
        print(f"===== Fedify peer {peer.url} (first knock {peer.first_knock}) =====")
        with contextlib.suppress(Exception):
            for name in ("received", "deliveries", "outgoing", "errors"):
                print(f"--- {name} ---\n{json.dumps(getattr(peer, name)(), indent=1)}")
        print(peer.logs())
        for node in nodes:
            with contextlib.suppress(Exception):
                for sql in (
                    "SELECT activity_id, type, state, attempts, error FROM inbox_item",
                    "SELECT inbox, state, attempts, last_status, last_error FROM delivery",
                ):
                    print(f"--- ionode {node.name}: {sql} ---")
                    for row in node.query(sql):
                        print(row)
            log = node.data_dir / "server.log"
            text = log.read_text(errors="replace") if log.exists() else "(none)"
            print(f"===== ionode {node.name} {node.url}: {log} =====\n{text[-30000:]}")
        raise
