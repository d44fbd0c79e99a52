"""Route modules imported at their first request (issue 7, item 14: idle memory).

Each group of pages (the admin pages, a hub's management pages, the newswire's, the
network's ...) and of documents (calendars, Atom feeds) is a module with a ``routes()``
table. Imported at start, their code and the modules only they use held about 3 MB of
an idle node's ~85 MB, although a node that only federates never serves them. A :class:`LazyRoutes`
stands in the route table where that module's routes stood and imports the module the
first time a request's path could be one of them.

Routing does not change: the router asks each route in order whether it matches
(Starlette's ``Router``: the first full match wins, else the first partial one, which
answers 405). :class:`LazyRoutes` answers for its module's routes in their order, so the
table behaves as if they were listed in its place. Whether a path could be one of them
is decided by the module's *gates*, path prefixes such as ``/admin`` or
``/hubs/{name}/links`` (``{name}`` is one path segment; a final ``$`` makes the gate the
whole path): every route of the module
starts with one of them (tests/unit/test_lazy_routes.py checks each module's table), so
a path no gate matches matches none of its routes, and the module stays unloaded.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

#: Where :meth:`LazyRoutes.matches` leaves the route that matched, for :meth:`handle`
#: (the router copies a match's child scope into the request's scope).
_MATCHED = "ionode.lazy_route"


def gate_pattern(gate: str) -> re.Pattern[str]:
    """``/hubs/{name}/links`` as a pattern that matches the paths starting with it
    (``/network$``: the path ``/network`` only)."""
    prefix, whole = (gate[:-1], "$") if gate.endswith("$") else (gate, "")
    literal = re.split(r"\{[^{}]+\}", prefix)
    return re.compile("[^/]+".join(re.escape(part) for part in literal) + whole)


class LazyRoutes(BaseRoute):
    """The routes of ``module`` (its ``routes()``), imported at the first request whose
    path one of ``gates`` starts."""

    def __init__(self, module: str, *gates: str, table: str = "routes") -> None:
        if not gates:
            raise ValueError(f"{module}: a lazy route table needs at least one path gate")
        self.module, self.table, self.gates = module, table, gates
        self._patterns = tuple(gate_pattern(gate) for gate in gates)
        self._routes: list[BaseRoute] | None = None

    def __repr__(self) -> str:
        state = "loaded" if self._routes is not None else "not loaded"
        return f"LazyRoutes({self.module!r}, {', '.join(map(repr, self.gates))}; {state})"

    @property
    def loaded(self) -> bool:
        return self._routes is not None

    @property
    def routes(self) -> list[BaseRoute]:
        """The module's routes, importing it the first time."""
        if self._routes is None:
            table: list[BaseRoute] = getattr(importlib.import_module(self.module), self.table)()
            self._routes = table
        return self._routes

    def opens(self, path: str) -> bool:
        """Whether ``path`` could be one of the module's routes."""
        return any(pattern.match(path) for pattern in self._patterns)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket") or not self.opens(get_route_path(scope)):
            return Match.NONE, {}
        partial: tuple[Scope, BaseRoute] | None = None
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return match, {**child_scope, _MATCHED: route}
            if match is Match.PARTIAL and partial is None:
                partial = (child_scope, route)
        if partial is not None:
            return Match.PARTIAL, {**partial[0], _MATCHED: partial[1]}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute = scope.pop(_MATCHED)
        scope["route"] = route
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)
