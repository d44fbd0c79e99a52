"""The layers of ARCHITECTURE.md section 7, enforced on every import of every module.

Layers, top to bottom; a module imports only its own layer and the layers below::

    wiring    node.app, node.cli, node.commands, node.workers, node.worker_command,
              node.models, node.__main__
    web       node.web
    domains   node.hubs, node.newswire, node.network, node.accounts
    protocol  node.activitypub, and the node's service container node.runtime,
              node.services, node.periodic; node.media (images)
    base      node (the package: its version), node.settings, node.db, node.jobs,
              node.clock, node.html, node.hosts, node.zones, node.text, node.columns,
              node.wakeups, node.memory_trim, node.keyset, node.password_cost, node.lazy_routes,
              node.files

and inside the domains, ``node.network`` imports neither ``node.hubs`` nor
``node.newswire`` (it learns what to relay through outbox and dispatch hooks).

Every import counts: at module level, inside functions, and under ``TYPE_CHECKING``
(a type-only import still ties the lower layer to the upper one's names). A module
the table does not place fails the test, so a new one is placed on purpose.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import node

PACKAGE = Path(node.__file__).parent
LAYERS: dict[str, tuple[str, ...]] = {
    "base": ("node", "node.settings", "node.db", "node.jobs", "node.clock", "node.html",
             "node.node_record", "node.typed_command", "node.supervision",
             "node.hosts", "node.zones", "node.text", "node.columns", "node.wakeups",
             "node.messages", "node.memory_trim",
             "node.keyset", "node.password_cost", "node.files",
             "node.lazy_routes"),
    "protocol": ("node.activitypub", "node.runtime", "node.services", "node.periodic",
                 "node.media"),
    "domains": ("node.hubs", "node.newswire", "node.network", "node.accounts"),
    "web": ("node.web",),
    "wiring": ("node.app", "node.cli", "node.commands", "node.local_node", "node.workers",
               "node.worker_command", "node.models",
               "node.__main__"),
}
ORDER = ("base", "protocol", "domains", "web", "wiring")
#: Pairs of packages that may not import each other although their layer allows it.
FORBIDDEN_WITHIN = {("node.network", "node.hubs"), ("node.network", "node.newswire")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    root = PACKAGE.parent
    return (root / relative).with_suffix(".py").exists() or (root / relative).is_dir()


def imported_modules(path: Path) -> set[str]:
    """Every ``node.*`` module ``path`` imports, wherever the import statement stands."""
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    return imports_of(path.read_text(), package)


def imports_of(source: str, package: str) -> set[str]:
    """The ``node.*`` modules imported by ``source``, a module of ``package``."""
    names: set[str] = set()
    for item in ast.walk(ast.parse(source)):
        if isinstance(item, ast.Import):
            names.update(alias.name for alias in item.names)
        elif isinstance(item, ast.ImportFrom):
            base = item.module or ""
            if item.level:
                anchor = package.split(".")[: len(package.split(".")) - item.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            # ``from node.web import pages`` imports the module node.web.pages
            names.update(f"{base}.{alias.name}" for alias in item.names
                         if is_module(f"{base}.{alias.name}"))
    return {name for name in names if name == "node" or name.startswith("node.")}


def layer_of(name: str) -> str | None:
    """The layer of a module: the one whose longest listed prefix matches."""
    best: tuple[int, str] | None = None
    for layer, prefixes in LAYERS.items():
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + "."):
                if prefix == "node" and name != "node":
                    continue  # the package itself is base; its modules are placed one by one
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), layer)
    return best[1] if best else None


def package_of(name: str) -> str:
    return ".".join(name.split(".")[:2])


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")
            if "migrations" not in path.parts}


def violations() -> set[tuple[str, str]]:
    found = set()
    for name, path in all_modules().items():
        rank = ORDER.index(layer_of(name) or "wiring")
        for target in imported_modules(path):
            target_layer = layer_of(target)
            above = target_layer is None or ORDER.index(target_layer) > rank
            if above or (package_of(name), package_of(target)) in FORBIDDEN_WITHIN:
                found.add((name, target))
    return found


def test_every_module_has_a_layer() -> None:
    assert sorted(name for name in all_modules() if layer_of(name) is None) == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert sorted(violations()) == []


def test_the_rules_catch_what_they_describe() -> None:
    # The checker itself: function-level, TYPE_CHECKING and relative imports all count.
    assert layer_of("node.activitypub.inbox") == "protocol"
    assert layer_of("node.hubs.polls.rules") == "domains"
    assert layer_of("node.settings") == "base"
    assert layer_of("node.app") == "wiring"
    assert layer_of("node.unplaced") is None
    code = ("from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from node.web import pages\n"
            "def f() -> None:\n    import node.hubs.hub.models\n"
            "from ..app import create_app\n")
    names = imports_of(code, "node.activitypub")
    assert {"node.web.pages", "node.hubs.hub.models", "node.app"} <= names


def test_nothing_runs_at_import_time() -> None:
    # Module bodies hold definitions only: no engine, client or settings built on import.
    calls_at_top = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts or path.name == "__main__.py":
            continue
        for stmt in ast.parse(path.read_text()).body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                calls_at_top[str(path.relative_to(PACKAGE))] = ast.unparse(stmt)
    assert calls_at_top == {}


def test_handlers_get_services_not_the_node() -> None:
    # Handlers receive the few services they use (ARCHITECTURE.md section 7), so the
    # handler modules never import the node container and the context carries no node.
    from dataclasses import fields

    from node.activitypub.handling import HandlerContext

    assert "node" not in {field.name for field in fields(HandlerContext)}
    handlers = sorted(name for name, path in all_modules().items()
                      if name.startswith("node.activitypub.handlers")
                      and "node.runtime" in imported_modules(path))
    assert handlers == []


def test_no_import_cycles() -> None:
    # A cycle (cli <-> commands, notes -> hubs.publish -> hubs.items -> notes) ties
    # modules that should stand apart; every import counts, TYPE_CHECKING included.
    graph = {name: {t for t in imported_modules(path) if t != name}
             for name, path in all_modules().items()}
    assert cycles(graph) == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for target in graph.get(name, set()) & graph.keys():
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_readme_lists_the_layers_as_placed_here() -> None:
    # README.md's "Code layout" names every prefix of LAYERS under its layer, top to bottom.
    readme = (PACKAGE.parent / "README.md").read_text()
    section = readme.split("### Code layout", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    listed: dict[str, list[str]] = {}
    for entry in section.split("\n- "):
        layer, _, names = entry.lstrip("- ").partition(":")
        listed[layer.strip("* ")] = re.findall(r"`([\w.]+)`", names)
    assert list(listed) == list(reversed(ORDER))
    assert {layer: tuple(names) for layer, names in listed.items()} == LAYERS


def hub_package(name: str) -> str:
    """``node.hubs.events.rules`` -> ``node.hubs.events``; other modules stay themselves."""
    parts = name.split(".")
    return ".".join(parts[:3]) if parts[:2] == ["node", "hubs"] and len(parts) > 3 else name


#: Package cycles between node.hubs subpackages: none. Calls build on events (a call is an
#: Event with a way to join; the recurrence rule and series rows are events'), and the
#: hub reads what it indexes and edits (event times, a poll's close, Article bodies)
#: from its own modules, below every kind that publishes through it.
KNOWN_PACKAGE_CYCLES: list[list[str]] = []


def test_no_new_import_cycles_between_hub_subpackages() -> None:
    # Per-module acyclicity still lets two kinds lean on each other (events and calls did,
    # for time helpers now in node.zones, the RRULE and series rows now in events); no
    # cycle between subpackages may be added.
    graph: dict[str, set[str]] = {}
    for name, path in all_modules().items():
        if name.startswith("node.hubs."):
            source = hub_package(name)
            graph.setdefault(source, set()).update(
                hub_package(t) for t in imported_modules(path)
                if t.startswith("node.hubs.") and hub_package(t) != source)
    assert sorted(cycles(graph)) == KNOWN_PACKAGE_CYCLES
