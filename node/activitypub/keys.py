"""Key generation and (de)serialisation for actors.

Each actor has an RSA-2048 key for HTTP signatures (draft-cavage ``rsa-sha256`` and
RFC 9421 ``rsa-v1_5-sha256``) and an Ed25519 key for FEP-8b32 object proofs, published
as a FEP-521a ``Multikey`` (multibase base58btc of the multicodec ``ed25519-pub``
prefix ``0xed01`` followed by the 32 raw key bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

ED25519_PUB_MULTICODEC = b"\xed\x01"
RSA_KEY_BITS = 2048


class KeyFormatError(ValueError):
    """A published key could not be decoded; the message says why."""


@dataclass(frozen=True)
class ActorKeys:
    """The serialised keys stored for a local actor."""

    rsa_private_pem: str
    rsa_public_pem: str
    ed25519_private: bytes
    ed25519_public_multibase: str


def generate_actor_keys() -> ActorKeys:
    """Fresh RSA-2048 and Ed25519 keys for a new actor."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    ed_key = ed25519.Ed25519PrivateKey.generate()
    return ActorKeys(
        rsa_private_pem=rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii"),
        rsa_public_pem=public_pem(rsa_key.public_key()),
        ed25519_private=ed_key.private_bytes_raw(),
        ed25519_public_multibase=encode_ed25519_multikey(ed_key.public_key()),
    )


def public_pem(key: rsa.RSAPublicKey) -> str:
    """SubjectPublicKeyInfo PEM, the form Mastodon publishes in ``publicKeyPem``."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_rsa_private(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFormatError("stored key is not an RSA private key")
    return key


def load_ed25519_private(raw: bytes) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw)


def load_public_pem(pem: str) -> PublicKeyTypes:
    """Load a remote ``publicKeyPem`` (SPKI, or PKCS#1 ``RSA PUBLIC KEY`` as some send)."""
    data = pem.strip().encode("ascii", "replace")
    try:
        return serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"publicKeyPem is not a PEM public key: {exc}") from exc


def encode_ed25519_multikey(key: ed25519.Ed25519PublicKey) -> str:
    """FEP-521a ``publicKeyMultibase``: ``z`` + base58btc(0xed01 || raw key)."""
    raw = key.public_bytes_raw()
    return "z" + base58.b58encode(ED25519_PUB_MULTICODEC + raw).decode("ascii")


def decode_ed25519_multikey(value: str) -> ed25519.Ed25519PublicKey:
    """Decode a ``publicKeyMultibase`` value into an Ed25519 public key."""
    if not value.startswith("z"):
        raise KeyFormatError("publicKeyMultibase must be base58btc (prefix 'z')")
    try:
        decoded = base58.b58decode(value[1:])
    except ValueError as exc:
        raise KeyFormatError("publicKeyMultibase is not valid base58btc") from exc
    if len(decoded) != 34 or not decoded.startswith(ED25519_PUB_MULTICODEC):
        raise KeyFormatError("publicKeyMultibase is not an ed25519-pub multikey")
    return ed25519.Ed25519PublicKey.from_public_bytes(decoded[2:])
