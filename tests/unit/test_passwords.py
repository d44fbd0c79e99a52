"""argon2id password hashing: round trip, policy, malformed input, rehash on old params.

Every hash here is made at the production cost (:data:`node.password_cost.PRODUCTION`),
the one a node started from its environment always uses."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY

from node.accounts.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    PasswordError,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from node.password_cost import PRODUCTION, PasswordCost

GOOD = "correct horse battery staple"


def test_production_cost_is_the_rfc_9106_low_memory_profile() -> None:
    # t=3, 64 MiB, p=4, 16-byte salt, 32-byte hash: argon2-cffi's PasswordHasher() default
    # and the parameters of every hash stored before the cost became a setting.
    assert extract_parameters(hash_password(GOOD, PRODUCTION)) == RFC_9106_LOW_MEMORY
    assert PasswordCost(time_cost=3, memory_cost=65536, parallelism=4) == PRODUCTION


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = hash_password(GOOD, PRODUCTION)
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, GOOD)
    assert not verify_password(hashed, GOOD + "!")
    assert not verify_password(hashed, "")


def test_same_password_hashes_differently_each_time() -> None:
    # A fresh salt per hash: equal passwords are not visible as equal hashes.
    assert hash_password(GOOD, PRODUCTION) != hash_password(GOOD, PRODUCTION)


@pytest.mark.parametrize(
    ("password", "words"),
    [("short", f"at least {MIN_LENGTH}"), ("x" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH}")],
)
def test_policy_refuses_with_a_clear_message(password: str, words: str) -> None:
    with pytest.raises(PasswordError, match=words):
        hash_password(password, PRODUCTION)


def test_length_bounds_are_inclusive() -> None:
    assert verify_password(hash_password("x" * MIN_LENGTH, PRODUCTION), "x" * MIN_LENGTH)
    assert verify_password(hash_password("y" * MAX_LENGTH, PRODUCTION), "y" * MAX_LENGTH)


def test_malformed_hash_or_overlong_password_is_false_not_an_error() -> None:
    assert not verify_password("not-a-hash", GOOD)
    assert not verify_password("", GOOD)
    assert not verify_password(hash_password(GOOD, PRODUCTION), "z" * (MAX_LENGTH + 1))


def test_unicode_forms_of_one_password_verify_alike() -> None:
    # A phone keyboard may send a decomposed "é" where a laptop sends a composed one.
    composed = "mot de passe très sûr"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert verify_password(hash_password(composed, PRODUCTION), decomposed)


def test_needs_rehash_for_weaker_parameters_only() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(GOOD)
    assert needs_rehash(weak, PRODUCTION)
    assert verify_password(weak, GOOD)  # old hashes keep working until replaced
    assert not needs_rehash(hash_password(GOOD, PRODUCTION), PRODUCTION)
    assert needs_rehash("garbage", PRODUCTION)


def test_another_cost_hashes_at_that_cost_and_rehashes_the_others() -> None:
    cheap = PasswordCost(time_cost=1, memory_cost=1024, parallelism=1)
    hashed = hash_password(GOOD, cheap)
    made = extract_parameters(hashed)
    assert (made.time_cost, made.memory_cost, made.parallelism) == (1, 1024, 1)
    assert verify_password(hashed, GOOD)
    assert not needs_rehash(hashed, cheap)
    assert needs_rehash(hashed, PRODUCTION)  # a production node replaces it at sign-in
    assert dummy_hash(cheap) != dummy_hash(PRODUCTION)


def test_dummy_hash_matches_no_password() -> None:
    assert dummy_hash(PRODUCTION) == dummy_hash(PRODUCTION)  # computed once
    assert not verify_password(dummy_hash(PRODUCTION), GOOD)
