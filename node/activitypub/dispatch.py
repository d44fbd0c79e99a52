"""Handler registry: one small handler per (activity type, object type).

The inbox only authenticates, dedupes and stores. Workers look the stored activity's
handler up here. Domain packages (hubs, newswire) register their own handlers, so the
protocol layer never imports them and no handler is an arm of a long if/elif chain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from node.activitypub.handling import HandlerContext

ANY = "*"

Activity = Mapping[str, Any]
Handler = Callable[["HandlerContext", Activity], Awaitable[None]]
# A hook sees an activity before its protocol handler and returns True when it took it
# (a vote on a local poll is a Create(Note) that must not be stored as a reply).
Hook = Callable[["HandlerContext", Activity], Awaitable[bool]]


class Ignore(Exception):
    """Raised by a handler that refuses an activity on purpose; the reason is recorded."""


class Retry(Exception):
    """Raised by a handler that could not finish for a passing reason (a fetch failed)."""


def object_type_of(activity: Activity) -> str:
    """The type of the activity's object when embedded, else ``*`` (a bare URI)."""
    obj = activity.get("object")
    if isinstance(obj, Mapping):
        kind = obj.get("type")
        if isinstance(kind, str):
            return kind
        if isinstance(kind, list) and kind and isinstance(kind[0], str):
            return kind[0]
    return ANY


@dataclass
class Dispatcher:
    """Maps (activity type, object type) to handlers; ``*`` matches any object type."""

    _handlers: dict[tuple[str, str], Handler] = field(default_factory=dict)
    _hooks: dict[str, list[Hook]] = field(default_factory=dict)

    def register(self, activity_type: str, object_type: str = ANY) -> Callable[[Handler], Handler]:
        """Decorator: ``@dispatcher.register("Undo", "Follow")``."""

        def add(handler: Handler) -> Handler:
            key = (activity_type, object_type)
            if key in self._handlers:
                raise ValueError(f"a handler for {key} is already registered")
            self._handlers[key] = handler
            return handler

        return add

    def find(self, activity_type: str, object_type: str) -> Handler | None:
        """The exact handler, else the activity type's ``*`` handler, else None."""
        return self._handlers.get((activity_type, object_type)) or self._handlers.get(
            (activity_type, ANY)
        )

    def registered(self) -> list[tuple[str, str]]:
        return sorted(self._handlers)

    def add_hook(self, activity_type: str, hook: Hook) -> Hook:
        """Run ``hook`` before the handler of ``activity_type``, in registration order."""
        self._hooks.setdefault(activity_type, []).append(hook)
        return hook

    def hooks(self, activity_type: str) -> list[Hook]:
        return list(self._hooks.get(activity_type, ()))
