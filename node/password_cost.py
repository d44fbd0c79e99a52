"""What one password hash costs: the argon2id parameters a node hashes passwords with.

A field of :class:`node.settings.Settings` (``password_cost``), handed to whatever hashes
passwords (:mod:`node.accounts.passwords`) like every other dependency. It is never read
from the environment, ``node.json`` or any other file a node reads: a node started by
hand or by systemd always hashes with :data:`PRODUCTION`, and only code that builds its
own ``Settings`` (the test suite, whose in-process nodes would otherwise spend a third of
their setup hashing) can choose another cost. There is deliberately no switch a node
could be started with weakly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PasswordCost:
    """argon2id work per hash (RFC 9106 section 3.1: passes, memory, lanes)."""

    time_cost: int  # passes over the memory (t)
    memory_cost: int  # KiB (m)
    parallelism: int  # lanes (p)


#: RFC 9106 section 4, the second recommended option (the "low-memory" one, argon2-cffi's
#: ``RFC_9106_LOW_MEMORY`` profile and its ``PasswordHasher()`` default): t=3, 64 MiB, p=4.
#: Stored hashes with other parameters are replaced at the next sign-in.
PRODUCTION = PasswordCost(time_cost=3, memory_cost=64 * 1024, parallelism=4)
