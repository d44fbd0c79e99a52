"""What a node's database says about the node itself: the public URL it was made for.

Every local actor's id is built from ``IONODE_URL``; a command run with another URL on
the same database (``IONODE_PORT=8401 make run`` in one terminal, a plain ``ionode user
create`` in the other) would mint actors under a URL no one serves. The first
``migrate``/``serve`` records the URL in the database (table ``node_setting``), and every
later command on that database must use the same one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field

from node.columns import TableModel
from node.settings import SettingsError

URL_KEY = "url"
#: The live settings an admin changes (node.accounts.node_settings).
NAME, DESCRIPTION, REGISTRATIONS = "name", "description", "registrations"
REGISTRATION_CHOICES = ("invite", "closed")


class NodeSetting(TableModel, table=True):
    """One fact about the node, by key (``url``: the public base URL, set once; the
    admin page's live settings, see :mod:`node.accounts.node_settings`)."""

    __tablename__ = "node_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=2048)


_table = NodeSetting.__table__  # type: ignore[attr-defined]


class NodeURLMismatch(SettingsError):
    """The command's URL is not the one the database was made for."""


def recorded_url(conn: Connection) -> str | None:
    """The URL recorded in the database, ``None`` before the first start."""
    value = conn.execute(select(_table.c.value).where(_table.c.key == URL_KEY)).scalar()
    return None if value is None else str(value)


def check_url(conn: Connection, url: str, where: str) -> None:
    """Raise :class:`NodeURLMismatch` if ``url`` is not the database's recorded URL."""
    recorded = recorded_url(conn)
    if recorded is not None and recorded != url:
        raise NodeURLMismatch(
            f"the database at {where} belongs to the node at {recorded}, not {url}: "
            f"actor ids are built from the URL and cannot change; run with "
            f"--url {recorded} (or IONODE_URL={recorded}), or use another --database/--data"
        )


def record_url(engine: Engine, url: str, where: str) -> None:
    """Record ``url`` on the first start; afterwards refuse any other URL."""
    with engine.begin() as conn:
        check_url(conn, url, where)
        if recorded_url(conn) is not None:
            return
        try:
            with conn.begin_nested():
                conn.execute(insert(_table).values(key=URL_KEY, value=url))
        except IntegrityError:  # another process recorded it first: compare with theirs
            pass
        check_url(conn, url, where)


def read_settings(conn: Connection) -> dict[str, str]:
    """Every recorded setting by key (a handful of rows)."""
    return {str(key): str(value) for key, value in conn.execute(select(_table.c.key,
                                                                        _table.c.value))}


def write_setting(conn: Connection, key: str, value: str) -> None:
    """Set ``key`` to ``value`` in the caller's transaction (never the recorded URL)."""
    if key == URL_KEY:
        raise ValueError("the node's URL is recorded once and never changed")
    if conn.execute(update(_table).where(_table.c.key == key).values(value=value)).rowcount:
        return
    conn.execute(insert(_table).values(key=key, value=value))


@dataclass(frozen=True)
class NodeProfile:
    """The node as its admin described it (``ionode node set``, ``/admin``)."""

    name: str
    description: str
    registrations: str

    @property
    def invites_open(self) -> bool:
        return self.registrations == "invite"


def node_profile(conn: Connection, default_name: str) -> NodeProfile:
    """The live settings; ``default_name`` (``IONODE_NAME``) until an admin sets one."""
    stored = read_settings(conn)
    registrations = stored.get(REGISTRATIONS, "invite")
    return NodeProfile(name=stored.get(NAME) or default_name,
                       description=stored.get(DESCRIPTION, ""),
                       registrations=registrations if registrations in REGISTRATION_CHOICES
                       else "invite")
