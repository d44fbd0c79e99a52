"""The JSON-LD ``@context`` values ionode emits.

Receivers do not fetch contexts to read our documents (Mastodon reads compacted JSON by
term name), but the terms must still expand correctly for JSON-LD processors:

* ``https://www.w3.org/ns/activitystreams``: Activity Vocabulary (AS2 Core §4.1).
* ``https://w3id.org/security/v1``: ``publicKey``, ``owner``, ``publicKeyPem`` of the
  draft-cavage HTTP signature key (what Mastodon, Lemmy and Misskey read).
* ``https://w3id.org/security/multikey/v1``: ``Multikey``, ``controller`` and
  ``publicKeyMultibase`` of the FEP-521a key.
* ``https://w3id.org/security/data-integrity/v1``: ``proof`` and ``DataIntegrityProof`` of
  FEP-8b32 object integrity proofs (objects, not actors).
* :data:`EXTENSION_TERMS`: Mastodon's extension terms, spelled as Mastodon's own
  ``app/helpers/context_helper.rb`` does, including its ``schema: http://schema.org#``
  quirk, plus ``assertionMethod`` (FEP-521a), which neither multikey/v1 nor security/v1
  defines at the top level.

The constants are never handed out for mutation: the functions return fresh copies.
"""

from __future__ import annotations

import copy
from typing import Any, Final

AS: Final = "https://www.w3.org/ns/activitystreams"
AS_PUBLIC: Final = "https://www.w3.org/ns/activitystreams#Public"
SECURITY_V1: Final = "https://w3id.org/security/v1"
DATA_INTEGRITY_V1: Final = "https://w3id.org/security/data-integrity/v1"
MULTIKEY_V1: Final = "https://w3id.org/security/multikey/v1"
TOOT: Final = "http://joinmastodon.org/ns#"
SCHEMA: Final = "http://schema.org#"
SECURITY_NS: Final = "https://w3id.org/security#"


def _id_term(iri: str) -> dict[str, str]:
    """A term whose value is an IRI (``"@type": "@id"``), as Mastodon declares featured."""
    return {"@id": iri, "@type": "@id"}


EXTENSION_TERMS: Final[dict[str, Any]] = {
    "toot": TOOT,
    "schema": SCHEMA,
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "movedTo": _id_term("as:movedTo"),
    "alsoKnownAs": _id_term("as:alsoKnownAs"),
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "featured": _id_term("toot:featured"),
    "featuredTags": _id_term("toot:featuredTags"),
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "memorial": "toot:memorial",
    "suspended": "toot:suspended",
    "votersCount": "toot:votersCount",
    "Emoji": "toot:Emoji",
    "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    "assertionMethod": {
        "@id": f"{SECURITY_NS}assertionMethod",
        "@type": "@id",
        "@container": "@set",
    },
}


def actor_context() -> list[Any]:
    """``@context`` of an actor document: AS, security v1, multikey v1, extension terms."""
    return [AS, SECURITY_V1, MULTIKEY_V1, copy.deepcopy(EXTENSION_TERMS)]


def object_context() -> list[Any]:
    """``@context`` of an object that may carry a FEP-8b32 proof."""
    return [AS, DATA_INTEGRITY_V1, copy.deepcopy(EXTENSION_TERMS)]


def collection_context() -> str:
    """``@context`` of collections, pages and tombstones: AS alone suffices."""
    return AS
