"""argon2id password hashing: round trip, policy, malformed input, rehash on old params."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher

from node.accounts.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    PasswordError,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)

GOOD = "correct horse battery staple"


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = hash_password(GOOD)
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, GOOD)
    assert not verify_password(hashed, GOOD + "!")
    assert not verify_password(hashed, "")


def test_same_password_hashes_differently_each_time() -> None:
    # A fresh salt per hash: equal passwords are not visible as equal hashes.
    assert hash_password(GOOD) != hash_password(GOOD)


@pytest.mark.parametrize(
    ("password", "words"),
    [("short", f"at least {MIN_LENGTH}"), ("x" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH}")],
)
def test_policy_refuses_with_a_clear_message(password: str, words: str) -> None:
    with pytest.raises(PasswordError, match=words):
        hash_password(password)


def test_length_bounds_are_inclusive() -> None:
    assert verify_password(hash_password("x" * MIN_LENGTH), "x" * MIN_LENGTH)
    assert verify_password(hash_password("y" * MAX_LENGTH), "y" * MAX_LENGTH)


def test_malformed_hash_or_overlong_password_is_false_not_an_error() -> None:
    assert not verify_password("not-a-hash", GOOD)
    assert not verify_password("", GOOD)
    assert not verify_password(hash_password(GOOD), "z" * (MAX_LENGTH + 1))


def test_unicode_forms_of_one_password_verify_alike() -> None:
    # A phone keyboard may send a decomposed "é" where a laptop sends a composed one.
    composed = "mot de passe très sûr"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert verify_password(hash_password(composed), decomposed)


def test_needs_rehash_for_weaker_parameters_only() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(GOOD)
    assert needs_rehash(weak)
    assert verify_password(weak, GOOD)  # old hashes keep working until replaced
    assert not needs_rehash(hash_password(GOOD))
    assert needs_rehash("garbage")


def test_dummy_hash_matches_no_password() -> None:
    assert dummy_hash() == dummy_hash()  # computed once
    assert not verify_password(dummy_hash(), GOOD)
