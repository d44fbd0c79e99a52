"""Result types shared by both HTTP signature schemes, and the key check itself.

:mod:`node.activitypub.signatures` re-exports everything public here; the scheme modules
(:mod:`~node.activitypub.httpsig` for draft-cavage, :mod:`~node.activitypub.rfc9421`)
import from this module so that nothing imports in a cycle.

Reading a signature and checking it against a key are two steps on purpose: the key is
fetched (I/O) between them, by someone else. :class:`SignatureClaim` carries exactly the
bytes that were signed, so the second step is pure too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:  # cryptography is imported at the first signature (issue 7, 1.14)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

Scheme: TypeAlias = Literal["cavage", "rfc9421"]
HeaderInput: TypeAlias = Mapping[str, str] | Sequence[tuple[str, str]]
PrivateKey: TypeAlias = "rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey"
Fields: TypeAlias = dict[str, list[str]]

#: Smallest RSA modulus accepted (the draft-cavage test key has 1024 bits).
MIN_RSA_BITS = 1024
#: Algorithms resolved from the key type: none declared, or draft-cavage ``hs2019`` (§2.1.3).
INFERRED_ALGORITHMS = frozenset({None, "hs2019"})
#: RSASSA-PKCS1-v1_5 with SHA-256: draft-cavage ``rsa-sha256``, RFC 9421 §3.3.2.
RSA_V1_5_ALGORITHMS = frozenset({"rsa-sha256", "rsa-v1_5-sha256"})
#: RSASSA-PSS with SHA-512 and a 64-byte salt, RFC 9421 §3.3.1 (verification only).
RSA_PSS_ALGORITHM = "rsa-pss-sha512"
#: EdDSA over Curve25519, RFC 9421 §3.3.6.
ED25519_ALGORITHM = "ed25519"

_Check: TypeAlias = Callable[[bytes, bytes], bool]


@dataclass(frozen=True)
class Verified:
    """The signature is valid for the key published under ``key_id``."""

    key_id: str
    scheme: Scheme


@dataclass(frozen=True)
class Rejected:
    """The request is not acceptably signed; ``reason`` goes into a JSON 401 body."""

    reason: str
    status: int = 401


@dataclass(frozen=True)
class SignatureClaim:
    """A structurally valid signature whose key has not been checked yet.

    ``alternate_signing_strings`` holds other byte strings that are also accepted as
    signed; draft-cavage uses it for the ``(request-target)`` without its query string,
    which older Mastodon versions signed (app/lib/signed_request.rb).
    """

    key_id: str
    scheme: Scheme
    algorithm: str | None
    signing_string: bytes
    signature: bytes
    alternate_signing_strings: tuple[bytes, ...] = ()

    def verify(self, key: PublicKeyTypes) -> Verified | Rejected:
        """Check the signature with ``key``; the declared algorithm must fit the key type."""
        check = _checker(self.algorithm, key)
        if isinstance(check, Rejected):
            return check
        for candidate in (self.signing_string, *self.alternate_signing_strings):
            if check(candidate, self.signature):
                return Verified(key_id=self.key_id, scheme=self.scheme)
        return Rejected("signature does not match the key")


def _checker(algorithm: str | None, key: PublicKeyTypes) -> _Check | Rejected:
    """The verification function for ``algorithm`` and ``key``, or why there is none."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        return Rejected(f"RSA key of {key.key_size} bits is too short")
    if algorithm in INFERRED_ALGORITHMS:
        if isinstance(key, rsa.RSAPublicKey):
            return _rsa_check(key, padding.PKCS1v15(), hashes.SHA256())
        if isinstance(key, ed25519.Ed25519PublicKey):
            return _ed25519_check(key)
        return Rejected(f"unsupported key type {type(key).__name__}")
    if algorithm in RSA_V1_5_ALGORITHMS and isinstance(key, rsa.RSAPublicKey):
        return _rsa_check(key, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == RSA_PSS_ALGORITHM and isinstance(key, rsa.RSAPublicKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
        return _rsa_check(key, pss, hashes.SHA512())
    if algorithm == ED25519_ALGORITHM and isinstance(key, ed25519.Ed25519PublicKey):
        return _ed25519_check(key)
    if algorithm in (*RSA_V1_5_ALGORITHMS, RSA_PSS_ALGORITHM, ED25519_ALGORITHM):
        return Rejected(f"key type {type(key).__name__} does not match algorithm {algorithm}")
    return Rejected(f"unsupported signature algorithm {algorithm!r}")


def _rsa_check(
    key: rsa.RSAPublicKey, pad: padding.AsymmetricPadding, digest: hashes.HashAlgorithm
) -> _Check:
    from cryptography.exceptions import InvalidSignature

    def check(data: bytes, signature: bytes) -> bool:
        try:
            key.verify(signature, data, pad, digest)
        except (InvalidSignature, ValueError):
            return False
        return True

    return check


def _ed25519_check(key: ed25519.Ed25519PublicKey) -> _Check:
    from cryptography.exceptions import InvalidSignature

    def check(data: bytes, signature: bytes) -> bool:
        try:
            key.verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True

    return check


def private_sign(key: PrivateKey, data: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 SHA-256 for RSA keys, Ed25519 otherwise."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def header_fields(headers: HeaderInput) -> Fields:
    """Field lines grouped by lower-cased name, in the order received (RFC 9110 §5.3)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    fields: Fields = {}
    for name, value in pairs:
        fields.setdefault(name.strip().lower(), []).append(value)
    return fields


def combined_value(fields: Fields, name: str) -> str | None:
    """One field's lines trimmed and joined with ``", "`` (RFC 9421 §2.1, cavage §2.3)."""
    lines = fields.get(name)
    if lines is None:
        return None
    return ", ".join(line.strip(" \t") for line in lines)


def without_fields(headers: Mapping[str, str], names: set[str]) -> dict[str, str]:
    """A copy of ``headers`` minus any field whose lower-cased name is in ``names``."""
    return {name: value for name, value in headers.items() if name.lower() not in names}
