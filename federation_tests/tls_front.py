"""A TLS front for a plain-HTTP server on loopback, with a throwaway certificate.

activityrelay serves plain HTTP but names itself ``https://{domain}/...`` (its
``relay/config.py`` and ``relay/misc.py`` build every id that way): on loopback it needs
what a reverse proxy gives it in production. This is only that proxy: bytes are copied
both ways, nothing is read or answered by it. The certificate is made here for
127.0.0.1; nodes trust it through ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_certificate(folder: Path, addresses: tuple[str, ...] = ("127.0.0.1",)
                     ) -> tuple[Path, Path]:
    """A self-signed certificate for ``addresses`` (also its own CA): (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
        pass
    finally:
        writer.close()


class TlsFront:
    """Listens with TLS on ``port`` and copies each connection to ``backend_port``."""

    def __init__(self, port: int, backend_port: int, cert: Path, key: Path,
                 host: str = "127.0.0.1", backend_host: str = "127.0.0.1") -> None:
        self.port, self.backend_port = port, backend_port
        self.host, self.backend_host = host, backend_host
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.error: OSError | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.backend_host,
                                                                  self.backend_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            server = self.loop.run_until_complete(asyncio.start_server(
                self._handle, self.host, self.port, ssl=self.context))
        except OSError as exc:  # start() reports it
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()

    def start(self) -> None:
        self.thread.start()
        if not self.ready.wait(10) or self.error is not None:
            hint = " (a port below 1024 needs root)" if self.port < 1024 else ""
            raise AssertionError(f"the TLS front on {self.host}:{self.port} did not start: "
                                 f"{self.error}{hint}")

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
