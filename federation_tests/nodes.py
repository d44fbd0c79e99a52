"""Real ``ionode serve`` processes on loopback, driven through the ``ionode`` CLI."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
from sqlalchemy import Engine, text

from node.cli import main as cli_main
from node.db import make_engine

T = TypeVar("T")
IONODE = [sys.executable, "-m", "node"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class NodeProcess:
    """One node: its URL, database and data dir, and the server process once started."""

    name: str
    database: str
    data_dir: Path
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"  # another loopback address (127.0.0.2 ...) for a distinct host
    public_url: str | None = None  # its URL behind a TLS front (https://127.0.0.2), if any
    process: subprocess.Popen[bytes] | None = None
    #: extra ``serve`` flags: ``("--workers", "0")`` serves the web only
    serve_flags: tuple[str, ...] = ()
    #: extra environment of ``serve`` alone (the commands run as before): IONODE_SMTP_URL
    serve_env: dict[str, str] = field(default_factory=dict)
    worker: subprocess.Popen[bytes] | None = None
    _engine: Engine | None = None

    @property
    def url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def flags(self) -> list[str]:
        return ["--url", self.url, "--database", self.database, "--data", str(self.data_dir)]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IONODE_")}
        env["IONODE_LOG_LEVEL"] = "warning"
        return env

    def cli(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        """Run ``ionode ARGS --url ... --database ...``; its stdout.

        The command runs in this process (``node.cli.main``, what the ``ionode`` script
        calls) unless this node's environment differs from the default one: a new
        Python process costs about 1.3 s of CPU, most of a federation test's time, and
        the command acts on the node only through its database either way.
        """
        if type(self).env is NodeProcess.env:
            code, out, err = _cli_in_process([*args, *self.flags()], stdin or "")
        else:
            done = subprocess.run([*IONODE, *args, *self.flags()], input=stdin, text=True,
                                  capture_output=True, env=self.env(), timeout=60,
                                  check=False)
            code, out, err = done.returncode, done.stdout, done.stderr
        if check and code != 0:
            raise AssertionError(f"ionode {' '.join(args)} failed: {err}")
        return out if check else out + err

    def start(self) -> None:
        self.launch()
        self.wait_started()

    def launch(self) -> None:
        """Start ``ionode serve`` without waiting: nodes launched together boot in parallel."""
        with (self.data_dir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [*IONODE, "serve", *self.flags(), "--host", self.host, "--port",
                 str(self.port), *self.serve_flags],
                stdout=log, stderr=subprocess.STDOUT, env={**self.env(), **self.serve_env})

    def wait_started(self) -> None:
        wait_for(lambda: _answers(f"{self.url}/.well-known/nodeinfo"), 30,
                 f"{self.name} did not start; see {self.data_dir / 'server.log'}")

    def start_worker(self) -> None:
        """``ionode worker`` on this node's database: its workers in a process of their own."""
        path = self.data_dir / "worker.log"
        with path.open("wb") as log:
            self.worker = subprocess.Popen([*IONODE, "worker", *self.flags()], stdout=log,
                                           stderr=subprocess.STDOUT, env=self.env())
        wait_for(lambda: b"ionode: worker for" in path.read_bytes(), 30,
                 f"{self.name}'s worker did not start; see {path}")

    def stop(self) -> None:
        if self.worker is not None:
            _end(self.worker)
            self.worker = None
        if self.process is not None:
            _end(self.process)
            self.process = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def query(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        if self._engine is None:
            self._engine = make_engine(self.database)
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]


class MakeNode(Protocol):
    """The ``make_node`` fixture: a started node; ``serve_flags`` for its ``serve``;
    ``wait=False``: launched only, the caller calls ``wait_started`` (after launching
    the others, so that they boot in parallel)."""

    def __call__(self, name: str, serve_flags: tuple[str, ...] = (),
                 wait: bool = True) -> NodeProcess: ...


_CLI_LOCK = threading.Lock()  # standard streams are the process's: one command at a time


def _cli_in_process(argv: list[str], stdin: str) -> tuple[int, str, str]:
    """``ionode ARGV`` through ``node.cli.main``: exit code, stdout, stderr.

    It runs on a thread of its own: a command calls ``asyncio.run``, which refuses a
    thread with a running loop, and the browser tier's Playwright keeps one running on
    the main thread.
    """
    out, err = io.StringIO(), io.StringIO()
    with _CLI_LOCK, redirect_stdout(out), redirect_stderr(err):
        saved, sys.stdin = sys.stdin, io.StringIO(stdin)
        try:
            with ThreadPoolExecutor(1) as pool:
                code = pool.submit(_exit_code, argv).result()
        finally:
            sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def _exit_code(argv: list[str]) -> int:
    try:
        return cli_main(argv)
    except SystemExit as exit_:  # argparse refuses the arguments
        return exit_.code if isinstance(exit_.code, int) else 2


def _end(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(check: Callable[[], T], seconds: float, message: str) -> T:
    """Poll ``check`` until it returns something truthy; fail with ``message``."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.1)
