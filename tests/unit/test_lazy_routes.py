"""Route modules imported at their first request route exactly as the eager table did.

``node.lazy_routes.LazyRoutes`` keeps the pages' and documents' modules out of an idle
node (issue 7, item 14). Each stands where its module's routes stood; these tests check
that every route of every such module lies behind one of its gates, and that the table
of ``create_app`` resolves every request (every route's path, with each method, with and
without a final slash) to the same route as the same table with every module imported.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import BaseRoute, Match, Route

from node.app import all_routes
from node.lazy_routes import LazyRoutes, gate_pattern

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")
#: Paths no route module answers: the router must reach its 404 without importing any.
UNCLAIMED = (
    "/static/style.css",
    "/hubs/portshutdown",
    "/users/nate",
    "/nope",
    "/favicon.ico",
    "/.well-known/webfinger",
    "/objects/1",
    "/news",
    "/actor",
)


def lazy_tables(routes: list[BaseRoute]) -> list[LazyRoutes]:
    return [route for route in routes if isinstance(route, LazyRoutes)]


def sample_path(route: Route) -> str:
    """``route``'s path with every parameter filled in (one path segment)."""
    return re.sub(r"\{[^{}]+\}", "x1", route.path)


def scope_for(path: str, method: str = "GET") -> dict[str, Any]:
    return {
        "type": "http",
        "path": path,
        "root_path": "",
        "method": method,
        "headers": [],
        "query_string": b"",
    }


def resolve(routes: list[BaseRoute], scope: dict[str, Any]) -> tuple[str, ...] | None:
    """The route Starlette's ``Router`` hands ``scope`` to (its first full match, else its
    first partial one, else a redirect to the other form of a final slash), named by its
    path, methods and endpoint; ``None`` for its 404."""
    partial = None
    for route in routes:
        match, child_scope = route.matches(scope)
        chosen = child_scope.get("ionode.lazy_route", route)
        if match is Match.FULL:
            return describe(chosen)
        if match is Match.PARTIAL and partial is None:
            partial = chosen
    if partial is not None:
        return ("partial", *describe(partial))
    path = scope["path"]
    if path != "/":
        other = {**scope, "path": path.rstrip("/") if path.endswith("/") else path + "/"}
        if any(route.matches(other)[0] is not Match.NONE for route in routes):
            return ("redirect", other["path"])
    return None


def describe(route: BaseRoute) -> tuple[str, ...]:
    endpoint = getattr(route, "endpoint", None)
    name = (
        f"{endpoint.__module__}.{endpoint.__qualname__}"
        if endpoint
        else f"{type(route).__name__} {getattr(route, 'name', '')}"
    )
    return (getattr(route, "path", ""), ",".join(sorted(getattr(route, "methods", ()) or ())), name)


def eager(routes: list[BaseRoute]) -> list[BaseRoute]:
    """The same table with every lazy module imported and its routes in its place."""
    flat: list[BaseRoute] = []
    for route in routes:
        flat.extend(route.routes if isinstance(route, LazyRoutes) else [route])
    return flat


def test_gates_are_path_prefixes_with_one_segment_parameters() -> None:
    gate = gate_pattern("/hubs/{name}/links")
    assert gate.match("/hubs/portshutdown/links/add")
    assert not gate.match("/hubs/port/shutdown/links")
    assert not gate.match("/x/hubs/portshutdown/links")
    whole = gate_pattern("/network$")
    assert whole.match("/network") and not whole.match("/network/feed.atom")
    assert gate_pattern("/news/feed.atom$").match("/news/feed.atom")
    assert not gate_pattern("/news/feed.atom$").match("/news/feedxatom")  # a dot is a dot


def test_every_route_of_a_lazy_module_lies_behind_one_of_its_gates() -> None:
    tables = lazy_tables(all_routes())
    assert len(tables) >= 40
    for table in tables:
        assert table.routes, table
        for route in table.routes:
            assert isinstance(route, Route), (table, route)
            assert ":path}" not in route.path, (table, route.path)  # gates see one segment
            assert table.opens(sample_path(route)), (table, route.path)


def test_no_lazy_module_is_imported_before_a_request_opens_it() -> None:
    routes = all_routes()
    for path in UNCLAIMED:
        for method in METHODS:
            resolve(routes, scope_for(path, method))
    assert [table for table in lazy_tables(routes) if table.loaded] == []
    resolve(routes, scope_for("/admin/network"))
    assert {table.module for table in lazy_tables(routes) if table.loaded} == {
        "node.web.admin_views",
        "node.web.admin_network_views",
    }


def test_the_lazy_table_routes_every_request_as_the_eager_one() -> None:
    reference = eager(all_routes())
    paths = {sample_path(route) for route in reference if isinstance(route, Route)}
    paths |= {path + "/" for path in paths} | set(UNCLAIMED)
    for path in sorted(paths):
        routes = all_routes()  # a fresh table: nothing imported by an earlier request
        for method in METHODS:
            assert resolve(routes, scope_for(path, method)) == resolve(
                reference, scope_for(path, method)
            ), (path, method)


def test_a_lazy_table_needs_a_gate() -> None:
    with pytest.raises(ValueError, match="gate"):
        LazyRoutes("node.web.admin_views")
