"""The claimant's secret is stored as a keyed hash (HMAC-SHA256 under a key derived from
SECRET_KEY): cheap to check, useless to an offline guesser without the key, and secrets stored
earlier with Django's password hasher still open their case."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from portal.cases.secret_hashing import secret_hash, secret_matches

SECRET = "K7PQ-M3XZ"


def test_a_secret_matches_its_stored_form_however_it_is_typed():
    stored = secret_hash(SECRET)
    assert secret_matches(SECRET, stored)
    assert secret_matches("k7pq m3xz", stored)


def test_a_wrong_secret_does_not_match():
    assert not secret_matches("K7PQ-M3XY", secret_hash(SECRET))


def test_nothing_stored_matches_no_secret():
    assert not secret_matches(SECRET, None)
    assert not secret_matches(SECRET, "")
    assert not secret_matches("", "")


def test_the_stored_form_is_a_keyed_digest_that_holds_no_secret():
    stored = secret_hash(SECRET)
    assert stored.startswith("hmac-sha256$")
    assert len(stored) == len("hmac-sha256$") + 64
    assert "K7PQ" not in stored.upper() and "M3XZ" not in stored.upper()


def test_the_digest_depends_on_the_key(settings):
    stored = secret_hash(SECRET)
    settings.SECRET_KEY = "another-key-for-another-portal"
    assert secret_hash(SECRET) != stored
    assert not secret_matches(SECRET, stored)


def test_a_secret_stored_under_a_retired_key_still_matches_through_the_fallbacks(settings):
    old_key = settings.SECRET_KEY
    stored = secret_hash(SECRET)
    settings.SECRET_KEY = "the-rotated-key-of-2027"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert secret_matches(SECRET, stored)
    assert not secret_matches("K7PQ-M3XY", stored)


def test_a_secret_stored_with_the_legacy_pbkdf2_hasher_still_matches(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    legacy = PBKDF2PasswordHasher().encode("K7PQM3XZ", "legacysalt1234", iterations=1000)
    assert legacy.startswith("pbkdf2_sha256$")
    assert secret_matches(SECRET, legacy)
    assert not secret_matches("K7PQ-M3XY", legacy)
