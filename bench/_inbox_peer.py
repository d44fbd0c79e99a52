"""Server processes started by bench/inbox.py (one process each, so each gets its own core).

    python bench/_inbox_peer.py actor   PORT_FILE DOCUMENT_TEMPLATE_FILE
    python bench/_inbox_peer.py ceiling PORT_FILE PUBLIC_PEM_FILE [--access-log]
    python bench/_inbox_peer.py node    PORT_FILE DATABASE_URL DATA_DIR [--access-log]
                                        [--inbox-workers=N] [--web-only]

Each binds 127.0.0.1:0, writes the port it got to PORT_FILE and serves until terminated.

* ``actor``: a minimal HTTP/1.1 server publishing the sender's actor document at its
  ``id`` path (``__BASE__`` in the template becomes ``http://127.0.0.1:PORT``), and as
  many more actors as asked for at ``/users/NAME`` (``__NAME__``), all with the same
  key; it answers every POST (the node's Accepts) 202; ``GET /stats`` answers how many
  actor GETs it served and POSTs it received;
* ``ceiling``: a bare Starlette app whose only route, ``POST /inbox``, reads the body and
  verifies the draft-cavage signature against an in-memory key -- no JSON, no database,
  no key lookup; 202 when it verifies;
* ``node``: the real ionode app (:func:`node.app.create_app`), migrated, with one hub
  named ``bench``, its workers running (none with ``--web-only``, as ``ionode serve
  --workers 0``: bench/inbox.py ``--split`` runs ``ionode worker`` beside it), under
  uvicorn as ``ionode serve`` runs it. The
  only addition: ``GET /.bench/stats`` answers the inbox writer's own counters (one
  path comparison per request).

Both ASGI servers run uvicorn with its defaults (uvloop and httptools when installed,
as in production), one worker process, access log off unless ``--access-log``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HUB = "bench"


def _bind() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


def _announce(port_file: str, port: int) -> None:
    tmp = f"{port_file}.tmp"
    Path(tmp).write_text(str(port))
    os.replace(tmp, port_file)  # atomic: the parent never reads a half-written file


# --- the sender's actor document ---------------------------------------------------------


class _ActorServer(asyncio.Protocol):
    """GET <actor path> -> the document; GET /users/NAME -> the document of actor NAME
    (``__NAME__`` in the template; the sustained mode's many cold followers, one key);
    POST <any inbox> -> 202 (the node's Accepts); GET /stats -> counts; else 404."""

    document: bytes = b""
    path: bytes = b""
    served = 0
    posted = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport, self.buffer = cast(asyncio.Transport, transport), b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end]
            lower = head.lower()
            start = lower.find(b"\r\ncontent-length:")
            stop = lower.find(b"\r\n", start + 2)  # -1: the field is the head's last line
            length = int(lower[start + 17 : stop if stop >= 0 else None]) if start >= 0 else 0
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            method, _, rest = head.partition(b" ")
            target = rest.partition(b" ")[0].split(b"#")[0]
            if method == b"GET" and target == self.path:
                type(self).served += 1
                self._answer(b"200 OK", b"application/activity+json",
                             self.document.replace(b"__NAME__", b"alice"))
            elif method == b"GET" and target.startswith(b"/users/") and target.count(b"/") == 2:
                type(self).served += 1
                self._answer(b"200 OK", b"application/activity+json",
                             self.document.replace(b"__NAME__", target[7:]))
            elif method == b"POST":
                type(self).posted += 1
                self._answer(b"202 Accepted", b"application/json", b"")
            elif method == b"GET" and target == b"/stats":
                self._answer(b"200 OK", b"application/json", b'{"served":%d,"posted":%d}'
                             % (self.served, self.posted))
            else:
                self._answer(b"404 Not Found", b"application/json", b'{"error":"not found"}')

    def _answer(self, status: bytes, kind: bytes, body: bytes) -> None:
        self.transport.write(b"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
                             % (status, kind, len(body), body))


def serve_actor(port_file: str, template_file: str) -> None:
    import orjson

    sock = _bind()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    document = Path(template_file).read_bytes().replace(b"__BASE__", base.encode())
    uri = orjson.loads(document.replace(b"__NAME__", b"alice"))["id"]
    _ActorServer.document = document
    _ActorServer.path = uri.removeprefix(base).encode()
    loop = asyncio.new_event_loop()
    loop.run_until_complete(loop.create_server(_ActorServer, sock=sock, backlog=1024))
    _announce(port_file, sock.getsockname()[1])
    loop.run_forever()


# --- the ASGI servers ----------------------------------------------------------------------


def _run_uvicorn(app: Any, sock: socket.socket, access_log: bool,
                 lifespan: Literal["on", "off"]) -> None:
    import uvicorn

    # uvicorn's defaults otherwise, as `ionode serve` runs it (which logs at "info", so
    # with its access log on: --access-log here)
    config = uvicorn.Config(app, log_level="info" if access_log else "warning",
                            access_log=access_log, lifespan=lifespan, proxy_headers=True)
    uvicorn.Server(config).run(sockets=[sock])


def ceiling_app(public_pem: str, base_url: str) -> Any:
    """POST /inbox: read the body, verify the signature with one in-memory key, 202."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from node.activitypub.keys import load_public_pem
    from node.activitypub.signatures import Rejected, read_signature

    key = load_public_pem(public_pem)

    async def inbox(request: Request) -> Response:
        body = await request.body()
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        url = f"{base_url}{raw_path.decode('latin-1')}"
        claim = read_signature(request.method, url, request.headers.items(), body,
                               datetime.now(UTC))
        result = claim if isinstance(claim, Rejected) else claim.verify(key)
        if isinstance(result, Rejected):
            return JSONResponse({"error": result.reason}, status_code=result.status)
        return Response(status_code=202)

    return Starlette(routes=[Route("/inbox", inbox, methods=["POST"])])


def serve_ceiling(port_file: str, pem_file: str, access_log: bool) -> None:
    sock = _bind()
    port = sock.getsockname()[1]
    app = ceiling_app(Path(pem_file).read_text(), f"http://127.0.0.1:{port}")
    _announce(port_file, port)
    _run_uvicorn(app, sock, access_log, lifespan="off")


def serve_node(port_file: str, database: str, data_dir: str, access_log: bool,
               inbox_workers: int, web_only: bool = False) -> None:
    from node.app import create_app
    from node.db import make_engine, migrate
    from node.hubs.hub.service import create_hub
    from node.settings import Settings, normalise_base_url

    sock = _bind()
    port = sock.getsockname()[1]
    settings = Settings(url=normalise_base_url(f"http://127.0.0.1:{port}"), database=database,
                        secret_key=secrets.token_urlsafe(32), data_dir=Path(data_dir),
                        inbox_workers=inbox_workers)
    engine = make_engine(database)
    migrate(engine)
    with engine.begin() as conn:
        create_hub(conn, base_url=settings.url, name=HUB, title="Bench hub", now=datetime.now(UTC))
    engine.dispose()
    app = create_app(settings, freeze_heap=True,  # as `ionode serve` builds it
                     start_workers=not web_only)
    _announce(port_file, port)
    _run_uvicorn(_with_batch_stats(app), sock, access_log, lifespan="on")


def _with_batch_stats(app: Any) -> Any:
    """``app``, plus ``GET /.bench/stats``: the group commit's batches (the writer's own
    counters, read once per request to that path)."""
    import orjson

    stats = app.state.node.services.writer.stats

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/.bench/stats":
            body = orjson.dumps({"batches": stats.batches, "rows": stats.rows,
                                 "on_thread": stats.on_thread})
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped


def main(argv: list[str]) -> None:
    flags = [a for a in argv if a.startswith("--")]
    args = [a for a in argv if not a.startswith("--")]
    access_log = "--access-log" in flags
    workers = [int(f.split("=", 1)[1]) for f in flags if f.startswith("--inbox-workers=")]
    match args:
        case ["actor", port_file, document_file]:
            serve_actor(port_file, document_file)
        case ["ceiling", port_file, pem_file]:
            serve_ceiling(port_file, pem_file, access_log)
        case ["node", port_file, database, data_dir]:
            serve_node(port_file, database, data_dir, access_log, workers[-1] if workers else 2,
                       "--web-only" in flags)
        case _:
            sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
