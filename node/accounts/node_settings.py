"""The node's live settings, changed by a node admin on ``/admin`` or ``ionode node set``.

Kept in the ``node_setting`` table (beside the recorded URL), so a change is seen by
every page at once and needs no restart:

* ``name`` and ``description``: shown on the home page and in every page title, in
  NodeInfo ``metadata`` (``nodeName``, ``nodeDescription``) and as the node actor's
  (``/actor``, an ``Application``) ``name`` and ``summary``. Until an admin sets one,
  the name is ``IONODE_NAME``. When the actor's document changes and the node actor has
  followers, they get ``Update{Application}`` (ActivityPub section 7.3), as hubs do.
* ``registrations``: ``invite`` (admins hand out one-time sign-up links) or ``closed``
  (no new links, and links already given stop working; admins still create accounts).

Everything in the environment (URL, database, secret key, listen address, workers,
authorized fetch, private addresses, the default timezone) is read once at start and
needs a restart: those are not offered here.
"""

from __future__ import annotations

import html

from sqlalchemy import Connection

from node.accounts.actor_update import change_actor
from node.accounts.service import AccountError
from node.activitypub.local_actors import find_by_kind
from node.messages import N_, Text
from node.node_record import (
    DESCRIPTION,
    NAME,
    REGISTRATION_CHOICES,
    REGISTRATIONS,
    NodeProfile,
    node_profile,
    write_setting,
)
from node.runtime import Node

MAX_NAME = 100
MAX_DESCRIPTION = 2000


class NodeSettingsError(AccountError):
    """A refused setting; the message says what to give instead."""


def invites_open(conn: Connection) -> bool:
    """False when an admin closed registrations: no link is made or honoured."""
    return node_profile(conn, "").invites_open


def check_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise NodeSettingsError(Text(N_("the node needs a name")))
    if len(value) > MAX_NAME:
        raise NodeSettingsError(Text(
            N_("the node's name must be at most %(MAX_NAME)s characters long"),
            MAX_NAME=MAX_NAME))
    return value


def check_description(value: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    if len(value) > MAX_DESCRIPTION:
        raise NodeSettingsError(
            Text(N_("the description must be at most %(MAX_DESCRIPTION)s characters long"),
                 MAX_DESCRIPTION=MAX_DESCRIPTION))
    return value


def check_registrations(value: str) -> str:
    if value not in REGISTRATION_CHOICES:
        raise NodeSettingsError(Text(N_("registrations must be invite or closed")))
    return value


def summary_html(description: str) -> str:
    """The description as the actor's ``summary``: escaped text in paragraphs."""
    paragraphs = [p.strip() for p in description.split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def apply_node_settings(node: Node, conn: Connection, *, name: str | None = None,
                        description: str | None = None,
                        registrations: str | None = None) -> int:
    """Validate and store the given settings (``None``: unchanged); how many deliveries
    of ``Update{Application}`` were queued."""
    values = {key: check(value) for key, check, value in (
        (NAME, check_name, name), (DESCRIPTION, check_description, description),
        (REGISTRATIONS, check_registrations, registrations)) if value is not None}
    for key, value in values.items():
        write_setting(conn, key, value)
    if NAME not in values and DESCRIPTION not in values:
        return 0
    return _update_node_actor(node, conn, node_profile(conn, node.settings.node_name))


def _update_node_actor(node: Node, conn: Connection, profile: NodeProfile) -> int:
    actor = find_by_kind(conn, "node")
    if actor is None:
        return 0
    return change_actor(node, conn, actor, display_name=profile.name,
                        summary=summary_html(profile.description))
