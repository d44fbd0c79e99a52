"""Local actors' keys in tests: made once per worker, then handed out in turn.

``create_local_actor`` makes RSA-2048 and Ed25519 keys for every new actor. On the
shared CI machine that took about 0.45 s a key pair, and every in-process node start
makes two (the node and newswire actors), every hub and organizer one more: once
argon2 was cheap, the largest part of a node test's setup (bench/RESULTS.md, session 7).
The fakes' remote actors already share one key (tests/fakes/remote.py). The pool keeps
the keys of local actors distinct unless one test makes more than :data:`POOL_SIZE`;
production code is untouched (the tests that check key generation call it directly).
"""

from __future__ import annotations

from node.activitypub.keys import ActorKeys, generate_actor_keys

POOL_SIZE = 64


class KeyPool:
    """A stand-in for ``generate_actor_keys``: fresh keys for the first ``size`` calls,
    then the same ones again in the same order."""

    def __init__(self, size: int = POOL_SIZE) -> None:
        self.size = size
        self.keys: list[ActorKeys] = []
        self.turn = 0

    def __call__(self) -> ActorKeys:
        if len(self.keys) < self.size:
            self.keys.append(generate_actor_keys())
            return self.keys[-1]
        keys = self.keys[self.turn % self.size]
        self.turn += 1
        return keys


POOL = KeyPool()
