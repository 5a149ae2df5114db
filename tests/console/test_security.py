"""The rules under the console: password hashes and CSRF tokens."""

from __future__ import annotations

import pytest

from ringback.console.security import (
    check_new_password,
    csrf_matches,
    csrf_token,
    hash_password,
    needs_rehash,
    verify_password,
)
from ringback.errors import ValidationError


def test_a_password_hash_carries_scrypt_parameters_and_salt():
    stored = hash_password("correct horse battery")
    scheme, params, salt, digest = stored.split("$")
    assert scheme == "scrypt"
    assert params == "n=32768,r=8,p=1"
    assert salt and digest
    assert hash_password("correct horse battery") != stored  # a fresh salt each time
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")


def test_a_hash_with_older_parameters_still_verifies_and_asks_for_a_rehash():
    import base64
    import hashlib

    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"old password 1", salt=salt, n=2**10, r=8, p=1, dklen=32)
    b64 = lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("=")  # noqa: E731
    stored = f"scrypt$n=1024,r=8,p=1${b64(salt)}${b64(digest)}"
    assert verify_password(stored, "old password 1")
    assert needs_rehash(stored)
    assert not needs_rehash(hash_password("old password 1"))


def test_missing_or_garbled_hashes_never_verify():
    assert not verify_password(None, "anything at all")
    assert not verify_password("plain-text-password", "plain-text-password")
    assert not verify_password("md5$x$y$z", "whatever password")


@pytest.mark.parametrize("password,field", [
    ("short", "password"),
    (" leading-space-password", "password"),
    ("x" * 201, "password"),
    (None, "password"),
])
def test_new_passwords_must_keep_the_rules(password, field):
    with pytest.raises(ValidationError) as caught:
        check_new_password(password)
    assert field in caught.value.errors


def test_a_repeated_password_must_match():
    with pytest.raises(ValidationError) as caught:
        check_new_password("long enough password", "long enough passwort")
    assert set(caught.value.errors) == {"repeat"}
    assert check_new_password("long enough password", "long enough password")


def test_a_csrf_token_only_fits_its_own_binding():
    token = csrf_token("secret-key-0123456789", "session:abc")
    assert csrf_matches("secret-key-0123456789", "session:abc", token)
    assert not csrf_matches("secret-key-0123456789", "session:abd", token)
    assert not csrf_matches("other-secret-012345678", "session:abc", token)
    assert not csrf_matches("secret-key-0123456789", "session:abc", None)
    assert not csrf_matches("secret-key-0123456789", "session:abc", "")
