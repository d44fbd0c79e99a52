"""Actor keys for the tests' in-process nodes: ``Settings.actor_keys`` of the ``settings``
fixture.

An RSA-2048 key pair costs about 45 ms of CPU (the prime search), and every node a test
starts makes at least two actors (the node's and the newswire's) before the test makes
its organizers and hubs: some 30 % of the setup-heavy files' time (bench/RESULTS.md,
session 7). A :class:`KeyPool` gives each actor of one test keys of its own, distinct
from every other actor of that test on any of its nodes, so a signature made with the
wrong actor's key still fails as it would in production; the next test gets the same
keys again instead of new ones. Keys are made the first time a test needs that many.
"""

from __future__ import annotations

from node.activitypub.keys import ActorKeys, generate_actor_keys


class KeyPool:
    """A :data:`~node.activitypub.keys.KeySource` for one test: the next unused keys of
    ``made`` (a list shared by the tests of one worker process), made when it runs out."""

    def __init__(self, made: list[ActorKeys]) -> None:
        self._made = made
        self._used = 0

    def __call__(self) -> ActorKeys:
        if self._used == len(self._made):
            self._made.append(generate_actor_keys())
        keys = self._made[self._used]
        self._used += 1
        return keys
