"""Discovery: WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo 2.0/2.1.

* WebFinger answers ``acct:user@host`` and actor URLs with a JRD holding exactly one
  ``rel: self`` link whose ``href`` is the actor ``id`` byte for byte, which Mastodon
  checks and then re-checks with ``acct:<preferredUsername>@<host of id>``
  (``app/lib/webfinger.rb``). RFC 7033 §4.2: 400 for a missing or malformed resource,
  404 for one we do not know (also every resource on another host); 410 for a deleted
  actor, on which Mastodon drops its copy. The server origin (``https://host/``) resolves
  to the node actor (FEP-d556). ``rel`` parameters filter the links (§4.3). The resource
  is a URI (§4.1): a bare ``user@host`` or ``resource==acct:...`` is malformed, a 400
  (Mastodon, Lemmy and Fedify all send ``acct:`` themselves).
* host-meta is only consulted when WebFinger fails; it carries the ``lrdd`` template.
* ``/.well-known/nodeinfo`` links schema 2.0 and 2.1 (NodeInfo PROTOCOL.md) and the
  Application actor under ``https://www.w3.org/ns/activitystreams#Application`` (FEP-2677).

All of these are public metadata for cross-origin clients: ``Access-Control-Allow-Origin: *``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import orjson
from sqlalchemy import Connection, Engine, distinct, func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node import __version__
from node.activitypub.local_actors import find_by_kind, find_by_uri, find_by_username
from node.activitypub.models import LocalActor, OutboxActivity, StoredObject
from node.activitypub.negotiation import ACTIVITY_JSON
from node.activitypub.urls import split_url
from node.hosts import BadURL, canonical_host
from node.node_record import NodeProfile, node_profile
from node.runtime import node_of
from node.settings import Settings

JRD: Final = "application/jrd+json"
XRD: Final = "application/xrd+xml"
XRD_NS: Final = "http://docs.oasis-open.org/ns/xri/xrd-1.0"
CORS: Final = {"Access-Control-Allow-Origin": "*"}
PROFILE_PAGE_REL: Final = "http://webfinger.net/rel/profile-page"
SERVICE_REL: Final = "https://www.w3.org/ns/activitystreams#Service"  # FEP-d556
APPLICATION_REL: Final = "https://www.w3.org/ns/activitystreams#Application"  # FEP-2677
NODEINFO_REL: Final = "http://nodeinfo.diaspora.software/ns/schema/{version}"
SOFTWARE_NAME: Final = "ionode"
SOFTWARE_REPOSITORY: Final[str | None] = None  # NodeInfo 2.1 software.repository, once public
SOFTWARE_HOMEPAGE: Final[str | None] = None  # NodeInfo 2.1 software.homepage, once public
MAX_RESOURCE = 1024
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_USERNAME = re.compile(r"[a-z0-9_]{1,64}")

_actors = LocalActor.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


class BadResource(ValueError):
    """The WebFinger ``resource`` is missing or malformed (answered with 400)."""


@dataclass(frozen=True)
class Lookup:
    """A local resource to look up: by username, by actor URI, or the node itself."""

    username: str | None = None
    uri: str | None = None
    node: bool = False


def _json(doc: Any, status: int = 200, media_type: str = "application/json") -> Response:
    return Response(orjson.dumps(doc), status_code=status, media_type=media_type, headers=CORS)


def _error(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def _acct_host(raw: str, scheme: str) -> str:
    """The canonical ``host[:port]`` of the part after ``@`` (same rules as settings.host)."""
    try:
        parts = urlsplit(f"{scheme}://{raw}")
        port = parts.port
    except ValueError as exc:
        raise BadResource("the host of the resource is malformed") from exc
    if not parts.hostname or parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        raise BadResource("the host of the resource is malformed")
    name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        return canonical_host(name, port, scheme)
    except BadURL as exc:
        raise BadResource(str(exc)) from exc


def _parse_acct(rest: str, settings: Settings) -> Lookup | None:
    user, at, host = rest.removeprefix("@").rpartition("@")
    if not at or not user or not host:
        raise BadResource("an acct resource is acct:user@host")
    scheme = settings.url.split("://", 1)[0]
    if _acct_host(host, scheme) != settings.host:
        return None
    username = unquote(user).lower()
    return Lookup(username=username) if _USERNAME.fullmatch(username) else None


def _parse_url(resource: str, settings: Settings) -> Lookup | None:
    try:
        scheme, host, target = split_url(resource)
    except BadURL as exc:
        raise BadResource(str(exc)) from exc
    if f"{scheme}://{host}" != settings.url:
        return None
    return Lookup(node=True) if target == "/" else Lookup(uri=f"{settings.url}{target}")


def parse_resource(resource: str, settings: Settings) -> Lookup | None:
    """What ``resource`` asks for on this node; None when it is well formed but not ours.

    Raises :class:`BadResource` for a malformed value (RFC 7033 §4.2: 400).
    """
    resource = resource.strip()
    if not resource or len(resource) > MAX_RESOURCE or not resource.isprintable():
        raise BadResource("resource is missing or malformed")
    scheme = _SCHEME.match(resource)
    if scheme is None:  # a bare user@host, or ``resource==acct:...``: no URI at all
        raise BadResource("the resource must be a URI: acct:user@host or the actor's URL")
    name = scheme.group(0)[:-1].lower()
    if name == "acct":
        return _parse_acct(resource[scheme.end() :], settings)
    if name in ("http", "https"):
        return _parse_url(resource, settings)
    return None


def _find(engine: Engine, lookup: Lookup) -> LocalActor | None:
    with engine.connect() as conn:
        if lookup.node:
            return find_by_kind(conn, "node")
        if lookup.username is not None:
            return find_by_username(conn, lookup.username)
        return find_by_uri(conn, lookup.uri or "")


def jrd(actor: LocalActor, host: str, rels: list[str] | None = None) -> dict[str, Any]:
    """The JRD of a local actor; ``rels`` (RFC 7033 §4.3) keeps only those links."""
    links: list[dict[str, str]] = [
        {"rel": "self", "type": ACTIVITY_JSON, "href": actor.uri},
        {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": actor.uri},
    ]
    if actor.kind == "node":
        links.append({"rel": SERVICE_REL, "type": ACTIVITY_JSON, "href": actor.uri})
    if rels:
        links = [link for link in links if link["rel"] in rels]
    return {"subject": f"acct:{actor.username}@{host}", "aliases": [actor.uri], "links": links}


async def webfinger(request: Request) -> Response:
    """``GET /.well-known/webfinger?resource=...`` (RFC 7033 §4)."""
    node = node_of(request)
    resources = request.query_params.getlist("resource")
    if len(resources) != 1:
        return _error(400, "give exactly one resource parameter")
    try:
        lookup = parse_resource(resources[0], node.settings)
    except BadResource as exc:
        return _error(400, str(exc))
    actor = await run_in_threadpool(_find, node.engine, lookup) if lookup else None
    if actor is None:
        return _error(404, "no such resource on this node")
    if actor.deleted_at is not None:
        return _error(410, "this account has been deleted")
    doc = jrd(actor, node.settings.host, request.query_params.getlist("rel"))
    return _json(doc, media_type=JRD)


def lrdd_template(settings: Settings) -> str:
    return f"{settings.url}/.well-known/webfinger?resource={{uri}}"


def host_meta_xml(settings: Settings) -> bytes:
    """RFC 6415 §3 XRD document with the ``lrdd`` template, built with ElementTree."""
    import xml.etree.ElementTree as ET  # here: pyexpat stays out of an idle node (issue 7)

    ET.register_namespace("", XRD_NS)
    root = ET.Element(f"{{{XRD_NS}}}XRD")
    ET.SubElement(root, f"{{{XRD_NS}}}Link", {"rel": "lrdd", "template": lrdd_template(settings)})
    document: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document


async def host_meta(request: Request) -> Response:
    body = host_meta_xml(node_of(request).settings)
    return Response(body, media_type=XRD, headers=CORS)


async def host_meta_json(request: Request) -> Response:
    """RFC 6415 Appendix A: the same links as JRD."""
    template = lrdd_template(node_of(request).settings)
    return _json({"links": [{"rel": "lrdd", "template": template}]}, media_type=JRD)


def _application_actor(engine: Engine) -> LocalActor | None:
    with engine.connect() as conn:
        actor = find_by_kind(conn, "node")
    return actor if actor is not None and actor.deleted_at is None else None


async def nodeinfo_links(request: Request) -> Response:
    """``/.well-known/nodeinfo``: the schema documents and the FEP-2677 Application actor."""
    node = node_of(request)
    base = node.settings.url
    links = [
        {"rel": NODEINFO_REL.format(version=v), "href": f"{base}/nodeinfo/{v}"}
        for v in ("2.0", "2.1")
    ]
    actor = await run_in_threadpool(_application_actor, node.engine)
    if actor is not None:
        links.append({"rel": APPLICATION_REL, "href": actor.uri})
    return _json({"links": links})


def _count(conn: Connection, query: Any) -> int:
    return int(conn.execute(query).scalar_one())


def _active_people(conn: Connection, since: datetime) -> int:
    query = (
        select(func.count(distinct(_outbox.c.actor_id)))
        .select_from(_outbox.join(_actors, _outbox.c.actor_id == _actors.c.id))
        .where(_actors.c.kind == "person", _actors.c.deleted_at.is_(None))
        .where(_outbox.c.published >= since)
    )
    return _count(conn, query)


def _live(table: Any, *where: Any) -> Any:
    """COUNT(*) of the rows of ``table`` not deleted and matching ``where``."""
    return select(func.count()).select_from(table).where(table.c.deleted_at.is_(None), *where)


def usage(engine: Engine, now: datetime) -> dict[str, Any]:
    """NodeInfo ``usage``: local people; active = published something in 30/180 days."""
    people = _live(_actors, _actors.c.kind == "person")
    posts = _live(_objects, _objects.c.local.is_(True))
    with engine.connect() as conn:
        users = {
            "total": _count(conn, people),
            "activeMonth": _active_people(conn, now - timedelta(days=30)),
            "activeHalfyear": _active_people(conn, now - timedelta(days=180)),
        }
        return {"users": users, "localPosts": _count(conn, posts)}


def nodeinfo_document(version: str, settings: Settings, counts: dict[str, Any],
                      node: NodeProfile | None = None) -> dict[str, Any]:
    """NodeInfo schema ``version`` (2.0 or 2.1) document; 2.0 forbids extra software keys.

    ``metadata`` is free-form: ``nodeName`` and ``nodeDescription`` are the keys Mastodon,
    Misskey and the fediverse directories read; the admin sets them (``node_setting``).
    """
    software: dict[str, str] = {"name": SOFTWARE_NAME, "version": __version__}
    if version == "2.1":
        if SOFTWARE_REPOSITORY:
            software["repository"] = SOFTWARE_REPOSITORY
        if SOFTWARE_HOMEPAGE:
            software["homepage"] = SOFTWARE_HOMEPAGE
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": counts,
        "metadata": {"nodeName": node.name if node else settings.node_name,
                     "nodeDescription": node.description if node else ""},
    }


def _facts(engine: Engine, now: datetime,
           default_name: str) -> tuple[dict[str, Any], NodeProfile]:
    with engine.connect() as conn:
        described = node_profile(conn, default_name)
    return usage(engine, now), described


def _nodeinfo_endpoint(version: str) -> Callable[[Request], Awaitable[Response]]:
    profile = f'application/json; profile="{NODEINFO_REL.format(version=version)}#"'

    async def endpoint(request: Request) -> Response:
        node = node_of(request)
        counts, described = await run_in_threadpool(_facts, node.engine, node.clock(),
                                                     node.settings.node_name)
        return _json(nodeinfo_document(version, node.settings, counts, described),
                     media_type=profile)

    return endpoint


def routes() -> list[BaseRoute]:
    return [
        Route("/.well-known/webfinger", webfinger, methods=["GET"]),
        Route("/.well-known/host-meta", host_meta, methods=["GET"]),
        Route("/.well-known/host-meta.json", host_meta_json, methods=["GET"]),
        Route("/.well-known/nodeinfo", nodeinfo_links, methods=["GET"]),
        Route("/nodeinfo/2.0", _nodeinfo_endpoint("2.0"), methods=["GET"]),
        Route("/nodeinfo/2.1", _nodeinfo_endpoint("2.1"), methods=["GET"]),
    ]
