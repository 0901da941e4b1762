"""Class codes and keys: short and typeable for people, hard to guess for scripts.

A code is what a teacher writes on the board: 6 signs from 31 (digits and capitals
without the look-alikes 0/O and 1/I/L), 31⁶ ≈ 8.9e8 codes, drawn with ``secrets``.
With at most 20 wrong guesses a minute per address (app/classes/store.py), finding one
live class among a few hundred takes a guesser years. A key is what a page keeps to
come back after a reconnect as the same member: 16 random bytes, never shown.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from ..validation import ValidationError

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
KEY_BYTES = 16  # token_urlsafe: 22 characters
MAX_KEY = 64
_IGNORED = re.compile(r"[\s\-]+")  # people type "abc-def" or "ABC DEF"


def new_code() -> str:
    """A fresh code: CODE_LENGTH signs of ALPHABET, each from ``secrets``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_key() -> str:
    """A member's secret key (URL-safe text)."""
    return secrets.token_urlsafe(KEY_BYTES)


def normalize(code: Any) -> str:
    """The code as stored: upper case, spaces and dashes dropped. A code that is not a
    string of 4-16 characters is refused naming ``code`` (one made of other signs is
    simply no class, answered as a wrong code)."""
    if not isinstance(code, str) or len(code) > 64:
        raise ValidationError("code", "code must be the class code, a short text")
    clean = _IGNORED.sub("", code).upper()
    if not 4 <= len(clean) <= 16:
        raise ValidationError("code", f"a class code has {CODE_LENGTH} characters, got {code!r}")
    return clean


def check_key(key: Any) -> str | None:
    """A member key from a ``join``: None, or a string of at most MAX_KEY characters."""
    if key is None:
        return None
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY:
        raise ValidationError("key", f"key must be the text a class_state gave (≤ {MAX_KEY})")
    return key
