"""CSRF tokens: pure functions, no web framework.

Signed-in forms carry the synchronizer token stored in the session row
(:func:`session_token_matches`). The anonymous login form has no session yet, so it
carries a *signed double-submit* token: an HMAC over a random pre-session cookie and a
timestamp, keyed with the node's secret. A forged cross-site form cannot read the
cookie, and a token taken from one browser does not match another browser's cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

ANONYMOUS_TOKEN_MAX_AGE = 2 * 60 * 60  # seconds a login form stays valid
_PURPOSE = b"ionode/csrf/v1"


def new_secret() -> str:
    """A fresh random value for a pre-session cookie or a session's synchronizer token."""
    return secrets.token_urlsafe(32)


def _signature(secret_key: str, binding: str, issued: int) -> str:
    key = hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()
    message = f"{binding}|{issued}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def make_token(secret_key: str, binding: str, now: datetime) -> str:
    """A form token bound to ``binding`` (the pre-session cookie value) and ``now``."""
    issued = int(now.timestamp())
    return f"{issued}.{_signature(secret_key, binding, issued)}"


def check_token(
    secret_key: str,
    binding: str,
    token: str,
    now: datetime,
    max_age: int = ANONYMOUS_TOKEN_MAX_AGE,
) -> bool:
    """True when ``token`` was made by :func:`make_token` for ``binding`` within ``max_age``."""
    if not binding or not token:
        return False
    issued_text, _, signature = token.partition(".")
    if not (issued_text.isascii() and issued_text.isdigit()) or len(issued_text) > 12:
        return False
    issued = int(issued_text)
    age = now.timestamp() - issued
    if age < -60 or age > max_age:  # a minute of clock skew between workers is tolerated
        return False
    return hmac.compare_digest(signature, _signature(secret_key, binding, issued))


def session_token_matches(expected: str, submitted: str | None) -> bool:
    """Constant-time comparison of a submitted form token with the session's token."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())
