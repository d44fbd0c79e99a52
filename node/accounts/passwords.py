"""Password hashing with argon2id (RFC 9106 parameters of ``argon2-cffi``).

Passwords are normalised to Unicode NFC first, so the same password typed on a phone
and on a laptop (which may compose accents differently) verifies the same.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import TYPE_CHECKING

from node.messages import N_, Text

if TYPE_CHECKING:  # argon2 is loaded at the first sign-in, not at start-up
    from argon2 import PasswordHasher

MIN_LENGTH = 10
MAX_LENGTH = 1024


class PasswordError(ValueError):
    """The password breaks the policy; the message tells the person what to change."""


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


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


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (which must satisfy :func:`check_policy`)."""
    return _hasher().hash(check_policy(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong or malformed input."""
    password = _normalise(password)
    if len(password) > MAX_LENGTH:
        return False
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash uses older parameters and should be replaced at next sign-in."""
    from argon2.exceptions import InvalidHashError

    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def dummy_hash() -> str:
    """A hash to verify against when the username is unknown, so timing reveals nothing."""
    return _hasher().hash("no account has this password, it only burns time")
