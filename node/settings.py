"""Node settings, read from the environment and overridden by CLI flags.

Settings are a frozen value passed explicitly to :func:`node.app.create_app`; nothing
reads the environment at import time. ``IONODE_URL`` must be ``https://`` except for
loopback and ``localhost`` development nodes.

``serve`` and ``migrate`` write the effective URL, database and port into
``<data>/node.json`` (:data:`NODE_FILE`), so a command typed in a second terminal without
the first one's environment (``IONODE_PORT=8401 make run``, then ``ionode user create``)
works on the same node under the same URL.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from node.files import create_atomically, write_atomically
from node.hosts import BadURL, canonical_host
from node.password_cost import PRODUCTION, PasswordCost
from node.zones import DEFAULT_ZONE, ZoneError, check_zone

DEFAULT_DATA_DIR = Path("data")
DEFAULT_PORT = 8000
#: The running node's settings, written by ``serve``/``migrate`` into the data directory.
NODE_FILE = "node.json"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and why."""


def is_loopback_host(hostname: str) -> bool:
    """True for ``localhost`` (and its subdomains) and loopback IP literals."""
    name = hostname.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def normalise_base_url(url: str) -> str:
    """Validate the public base URL and return it without a trailing slash.

    Plain ``http://`` is accepted only for loopback addresses and ``localhost``.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"IONODE_URL must be an absolute http(s) URL, got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SettingsError(f"IONODE_URL must be an origin without a path, got {url!r}")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise SettingsError(
            f"IONODE_URL {url!r} uses plain http on a public host; use https:// "
            "(http is accepted only for localhost and loopback addresses)"
        )
    hostname = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    try:
        host = canonical_host(hostname, parts.port, parts.scheme)
    except BadURL as exc:
        raise SettingsError(str(exc)) from exc
    return f"{parts.scheme}://{host}"


@dataclass(frozen=True)
class Settings:
    """Everything a node needs to run; build with :meth:`from_env`."""

    url: str
    database: str
    secret_key: str
    data_dir: Path = DEFAULT_DATA_DIR
    listen_host: str = "127.0.0.1"
    listen_port: int = 8000
    node_name: str = "ionode"
    authorized_fetch: bool = False
    allow_private_addresses: bool = False
    inbox_workers: int = 2
    delivery_workers: int = 2
    timezone: str = DEFAULT_ZONE  # IANA name: how pages show times unless a hub has its own
    websub_hub: str = ""  # IONODE_WEBSUB_HUB: the WebSub hub the news feed names; off if ""
    #: the operator's SMTP server for the newswire's e-mail (node.newswire.digest.smtp):
    #: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS); "" = none
    smtp_url: str = ""
    mail_from: str = ""  # the From address of that e-mail; "" = news@<host>
    # backfill of a newly followed actor (node/network/backfill.py): at most this many
    # items, outbox pages, days back, seconds of fetching, and hubs of a followed node
    backfill_items: int = 200
    backfill_pages: int = 10
    backfill_days: int = 60
    backfill_seconds: int = 120
    backfill_hubs: int = 50
    #: argon2id work per password hash (node.password_cost): set only by code that builds
    #: Settings (the tests); :meth:`from_env` and node.json never change it
    password_cost: PasswordCost = PRODUCTION
    #: where the node's new actors get their keys (``node.activitypub.keys.KeySource``):
    #: None is fresh RSA-2048 and Ed25519 keys each time, the only value :meth:`from_env`
    #: and node.json give; the tests hand in a pool (tests/actor_keys.py), as they hand in
    #: a cheaper ``password_cost``, since an RSA key costs ~45 ms of CPU to make
    actor_keys: Callable[[], Any] | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        """The canonical ``host[:port]`` of the public URL (the WebFinger domain)."""
        return self.url.split("://", 1)[1]

    @property
    def is_loopback(self) -> bool:
        """True for a development or test node served on a loopback address."""
        return is_loopback_host(urlsplit(self.url).hostname or "")

    @property
    def fetch_private_allowed(self) -> bool:
        """Loopback fetches are allowed only for loopback nodes or by explicit setting."""
        return self.allow_private_addresses or self.is_loopback

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with CLI flags applied (``None`` values are ignored)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if "url" in changes:
            changes["url"] = normalise_base_url(changes["url"])
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: Any) -> Settings:
        """Read ``IONODE_*`` variables from ``env``; ``overrides`` (CLI flags) win.

        What neither gives comes from ``<data>/node.json`` (the settings the node was
        last started with), then the defaults. The URL of a development node follows its
        port: ``IONODE_PORT=8401`` alone serves ``http://localhost:8401``.
        """
        data_dir = Path(overrides.pop("data_dir", None) or env.get("IONODE_DATA", "data"))
        recorded = read_node_file(data_dir)
        given_port = overrides.pop("listen_port", None) or _int(env, "IONODE_PORT", 0)
        port = given_port or _recorded_int(recorded, "listen_port") or DEFAULT_PORT
        host = overrides.pop("listen_host", None) or env.get("IONODE_HOST", "127.0.0.1")
        url = (overrides.pop("url", None) or env.get("IONODE_URL")
               or _recorded_url(recorded, given_port) or f"http://localhost:{port}")
        database = (
            overrides.pop("database", None)
            or env.get("IONODE_DATABASE")
            or str(recorded.get("database") or "")
            or f"sqlite:///{data_dir / 'ionode.db'}"
        )
        secret = overrides.pop("secret_key", None) or env.get("IONODE_SECRET_KEY") or ""
        settings = cls(
            url=normalise_base_url(url),
            database=database,
            secret_key=secret,
            data_dir=data_dir,
            listen_host=host,
            listen_port=port,
            node_name=env.get("IONODE_NAME", "ionode"),
            authorized_fetch=_bool(env, "IONODE_AUTHORIZED_FETCH"),
            allow_private_addresses=_bool(env, "IONODE_ALLOW_PRIVATE_ADDRESSES"),
            inbox_workers=_int(env, "IONODE_INBOX_WORKERS", 2),
            delivery_workers=_int(env, "IONODE_DELIVERY_WORKERS", 2),
            timezone=_zone(env),
            websub_hub=_websub_hub(env),
            smtp_url=env.get("IONODE_SMTP_URL", "").strip(),
            mail_from=env.get("IONODE_MAIL_FROM", "").strip(),
            backfill_items=_int(env, "IONODE_BACKFILL_ITEMS", 200),
            backfill_pages=_int(env, "IONODE_BACKFILL_PAGES", 10),
            backfill_days=_int(env, "IONODE_BACKFILL_DAYS", 60),
            backfill_seconds=_int(env, "IONODE_BACKFILL_SECONDS", 120),
            backfill_hubs=_int(env, "IONODE_BACKFILL_HUBS", 50),
        )
        return settings.with_overrides(**overrides)

    def ensure_secret_key(self) -> Settings:
        """Fill an empty secret key from ``<data_dir>/secret_key``, creating it once."""
        if self.secret_key:
            return self
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            create_atomically(path, secrets.token_urlsafe(48).encode())
        return replace(self, secret_key=path.read_text().strip())

    def existing_secret_key(self) -> Settings:
        """Like :meth:`ensure_secret_key` but creates nothing (read-only commands)."""
        path = self.data_dir / "secret_key"
        if self.secret_key or not path.exists():
            return self
        return replace(self, secret_key=path.read_text().strip())

    def write_node_file(self) -> Path:
        """Record the effective URL, database and port in ``<data>/node.json``.

        A relative SQLite path is made absolute so a command run from another directory
        (with ``--data``) finds the same file. The file may hold a database password:
        only its owner reads it, like ``secret_key``. It is replaced whole: a command
        typed while the node boots reads the old settings or the new ones.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / NODE_FILE
        content = {"url": self.url, "database": absolute_sqlite_url(self.database),
                   "listen_port": self.listen_port}
        write_atomically(path, (json.dumps(content, indent=2) + "\n").encode())
        return path


def absolute_sqlite_url(url: str) -> str:
    """``sqlite:///rel/path.db`` with an absolute path; any other URL unchanged."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix):] in ("", ":memory:"):
        return url
    path, sep, query = url[len(prefix):].partition("?")
    return f"{prefix}{Path(path).absolute()}{sep}{query}"


def read_node_file(data_dir: Path) -> dict[str, Any]:
    """The settings recorded in ``<data>/node.json``; empty when there is none."""
    path = data_dir / NODE_FILE
    try:
        content = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot read {path}: {exc}; delete it and start the node "
                            "again (`ionode migrate` writes it)") from exc
    return content if isinstance(content, dict) else {}


def _recorded_url(recorded: Mapping[str, Any], given_port: int) -> str | None:
    """The recorded URL, unless a development node is now given another port."""
    url = recorded.get("url")
    if not isinstance(url, str) or not url:
        return None
    if given_port and is_loopback_host(urlsplit(url).hostname or ""):
        return None  # a loopback URL follows the port given now
    return url


def _recorded_int(recorded: Mapping[str, Any], name: str) -> int | None:
    value = recorded.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _zone(env: Mapping[str, str]) -> str:
    raw = env.get("IONODE_TIMEZONE", "").strip()
    try:
        return check_zone(raw) if raw else DEFAULT_ZONE
    except ZoneError as exc:
        raise SettingsError(f"IONODE_TIMEZONE: {exc}") from exc


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _websub_hub(env: Mapping[str, str]) -> str:
    """``IONODE_WEBSUB_HUB``: an absolute URL (https, or http on loopback), or off."""
    raw = env.get("IONODE_WEBSUB_HUB", "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or (
            parts.scheme == "http" and not is_loopback_host(parts.hostname)):
        raise SettingsError(f"IONODE_WEBSUB_HUB must be an https:// URL, got {raw!r}")
    return raw
