"""activityrelay (a LitePub relay from PyPI) as a process the relay-dialect test drives.

``ensure_installed`` makes a virtualenv of its own for it once, inside the test run's
own (``<sys.prefix>/activityrelay``: its exact pins must not touch ionode's
environment, see ``federation_tests/activityrelay/README.md``); :class:`RelayPeer` writes a
config (SQLite backend, loopback), sets the relay up, runs it, and puts a TLS front
before it, since activityrelay names itself ``https://{domain}``.
"""

from __future__ import annotations

import contextlib
import fcntl
import ssl
import subprocess
import sys
import venv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from federation_tests.nodes import free_port, wait_for
from federation_tests.tls_front import TlsFront, make_certificate

RELAY_DIR = Path(__file__).parent / "activityrelay"
REQUIREMENTS = RELAY_DIR / "requirements.txt"
#: Inside the virtualenv running the tests (gone with it), never in the source tree.
VENV = Path(sys.prefix) / "activityrelay"
STAMP = VENV / ".installed"


class RelaySetupError(AssertionError):
    """activityrelay could not be installed or set up."""


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    with (Path(sys.prefix) / ".activityrelay.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers install once
        yield


def ensure_installed() -> Path:
    """The ``activityrelay`` executable, installed from PyPI when missing or stale."""
    wanted = REQUIREMENTS.read_text()
    binary = VENV / "bin" / "activityrelay"
    with _install_lock():
        if binary.exists() and STAMP.exists() and STAMP.read_text() == wanted:
            return binary
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        done = subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q",
                               "-r", str(REQUIREMENTS)], capture_output=True, text=True,
                              timeout=600, check=False)
        if done.returncode != 0 or not binary.exists():
            raise RelaySetupError(f"pip could not install activityrelay: {done.stderr[-2000:]}")
        STAMP.write_text(wanted)
    return binary


@dataclass
class RelayPeer:
    """One activityrelay on 127.0.0.1: plain HTTP on ``backend_port``, TLS on ``port``."""

    binary: Path
    data_dir: Path
    port: int = field(default_factory=free_port)
    backend_port: int = field(default_factory=free_port)
    #: the loopback addresses of the nodes, whose NodeInfo it fetches at https://HOST/
    node_hosts: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None
    fronts: list[TlsFront] = field(default_factory=list)
    cert: Path | None = None
    key: Path | None = None

    def make_certificate(self) -> Path:
        """The certificate of every TLS front (the relay's and the nodes'); give it to
        the relay and the nodes as ``SSL_CERT_FILE`` before they start."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.cert, self.key = make_certificate(self.data_dir, ("127.0.0.1", *self.node_hosts))
        return self.cert

    def front_node(self, host: str, port: int) -> None:
        """``https://HOST/`` (port 443, where activityrelay looks for NodeInfo: it keeps
        the hostname of an actor id and drops its port) in front of a node."""
        assert self.cert is not None and self.key is not None
        front = TlsFront(443, port, self.cert, self.key, host=host, backend_host=host)
        front.start()
        self.fronts.append(front)

    @property
    def uri(self) -> str:
        return f"https://127.0.0.1:{self.port}/actor"

    def start(self) -> None:
        config = self.data_dir / "relay.yaml"
        config.write_text(f"listen: 127.0.0.1\nport: {self.backend_port}\n"
                          f"domain: 127.0.0.1:{self.port}\ndb_type: sqlite\n"
                          f"sq_path: {self.data_dir / 'relay.sqlite3'}\n"
                          "cache_type: database\n")
        setup = subprocess.run([str(self.binary), "-c", str(config), "setup",
                                "--skip-questions"], input="n\n", capture_output=True,
                               text=True, timeout=120, check=False)
        if "Creating database tables" not in setup.stdout + setup.stderr:
            raise RelaySetupError(f"activityrelay setup failed: {setup.stdout}{setup.stderr}")
        assert self.cert is not None and self.key is not None, "make_certificate() first"
        front = TlsFront(self.port, self.backend_port, self.cert, self.key)
        front.start()
        self.fronts.append(front)
        log = (self.data_dir / "relay.log").open("wb")
        self.process = subprocess.Popen([str(self.binary), "-c", str(config), "run"],
                                        stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._answers, 60, f"activityrelay did not start; see {self.data_dir}")

    def _answers(self) -> bool:
        try:
            trust = ssl.create_default_context(cafile=str(self.cert))
            response = httpx.get(self.uri, verify=trust, timeout=2,
                                 headers={"Accept": "application/activity+json"})
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def log(self) -> str:
        path = self.data_dir / "relay.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        for front in self.fronts:
            front.stop()
        self.fronts.clear()
