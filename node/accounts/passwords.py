"""Password hashing with argon2id at the node's :class:`~node.password_cost.PasswordCost`.

The cost is passed in (``node.settings.password_cost``, always
:data:`node.password_cost.PRODUCTION` for a node started from its environment); verifying
reads the parameters from the stored hash, so only hashing and the rehash check take it.
Passwords are normalised to Unicode NFC first, so the same password typed on a phone
and on a laptop (which may compose accents differently) verifies the same.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import TYPE_CHECKING

from node.messages import N_, Text
from node.password_cost import PRODUCTION, PasswordCost

if TYPE_CHECKING:  # argon2 is loaded at the first sign-in, not at start-up
    from argon2 import PasswordHasher

MIN_LENGTH = 10
MAX_LENGTH = 1024


class PasswordError(ValueError):
    """The password breaks the policy; the message tells the person what to change."""


@cache
def _hasher(cost: PasswordCost) -> PasswordHasher:
    from argon2 import PasswordHasher

    # argon2id with argon2-cffi's 16-byte salt and 32-byte hash (RFC 9106 section 4)
    return PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_cost,
                          parallelism=cost.parallelism)


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def check_policy(password: str) -> str:
    """Return the normalised password, or raise :class:`PasswordError` saying why not."""
    password = _normalise(password)
    if len(password) < MIN_LENGTH:
        raise PasswordError(Text(
            N_("the password must be at least %(MIN_LENGTH)s characters long"),
            MIN_LENGTH=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise PasswordError(Text(
            N_("the password must be at most %(MAX_LENGTH)s characters long"),
            MAX_LENGTH=MAX_LENGTH))
    return password


def hash_password(password: str, cost: PasswordCost) -> str:
    """An argon2id hash of ``password`` (which must satisfy :func:`check_policy`)."""
    return _hasher(cost).hash(check_policy(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong or malformed input."""
    password = _normalise(password)
    if len(password) > MAX_LENGTH:
        return False
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher(PRODUCTION).verify(password_hash, password)  # the hash's parameters
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, cost: PasswordCost) -> bool:
    """True when the hash was made at another cost (older parameters) and should be
    replaced at the next sign-in."""
    from argon2.exceptions import InvalidHashError

    try:
        return _hasher(cost).check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def dummy_hash(cost: PasswordCost) -> str:
    """A hash to verify against when the username is unknown, so timing reveals nothing
    (made at the node's cost, so it takes as long as a real account's)."""
    return _hasher(cost).hash("no account has this password, it only burns time")
