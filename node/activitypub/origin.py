"""Origin rules for received activities (SECURITY.md, "Identity and origin").

Fedify CVE-2025-54888: activities were processed before checking that the signer is
the actor. Misskey CVE-2024-52590 and Mastodon CVE-2024-23832: objects on another
host were accepted as the sender's. These pure checks run in the inbox request,
before anything is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from node.activitypub.urls import same_host
from node.activitypub.vocab import ref, refs

# Activities whose object the actor authors: an embedded object must be the actor's own.
AUTHORED = frozenset({"Create", "Update", "Delete"})
# Activities whose embedded object is an activity of the same actor (Undo{Follow}).
OWN_ACTIVITY = frozenset({"Undo"})


def check_origin(activity: Mapping[str, Any], key_owner: str) -> str | None:
    """A reason to refuse ``activity`` signed by ``key_owner``'s key, or None."""
    actor = ref(activity.get("actor"))
    if actor != key_owner:
        return f"activity actor {actor!r} is not the owner of the signing key ({key_owner})"
    if not same_host(str(activity.get("id", "")), actor):
        return "activity id is not on the actor's host"
    kind = activity.get("type")
    obj = activity.get("object")
    if kind in AUTHORED:
        if kind == "Create" and isinstance(obj, list) and obj:  # GoToSocial's poll votes
            problems = (_check_authored(kind, item, actor) for item in obj)
            return next((p for p in problems if p is not None), None)
        return _check_authored(kind, obj, actor)
    if kind in OWN_ACTIVITY and isinstance(obj, Mapping):
        inner_actor = ref(obj.get("actor"))
        if inner_actor is not None and inner_actor != actor:
            return f"{kind} of an activity by another actor"
        inner_id = ref(obj)
        if inner_id is not None and not same_host(inner_id, actor):
            return f"{kind} of an activity whose id is not on the actor's host"
    return None


def _check_authored(kind: object, obj: object, actor: str) -> str | None:
    object_id = ref(obj)
    if object_id is None:
        return f"{kind} without an object id"
    if not same_host(object_id, actor):
        return f"{kind} of an object whose id is not on the actor's host"
    if isinstance(obj, Mapping) and kind != "Delete":
        authors = refs(obj.get("attributedTo"))
        if authors and actor not in authors and object_id != actor:
            return f"{kind} of an object attributed to someone else"
    return None
