"""Personal data at rest: AES-256-GCM encryption and an HMAC-SHA256 lookup hash."""

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


class PersonalDataVault:
    """Encrypts personal fields and derives the keyed hash that finds a NIK without storing it."""

    def __init__(self, *, encryption_key_b64: str, hmac_key: str) -> None:
        try:
            key = base64.b64decode(encryption_key_b64, validate=True)
        except binascii.Error as err:
            raise ValueError("NIK encryption key is not valid base64") from err
        if len(key) != 32:
            raise ValueError("NIK encryption key must decode to 32 bytes")
        if len(hmac_key) < 32:
            raise ValueError("NIK HMAC key must be at least 32 characters")
        self._aead = AESGCM(key)
        self._hmac_key = hmac_key.encode()

    def lookup_hash(self, nik: str) -> bytes:
        """Return the keyed hash under which a NIK is found."""
        return hmac.new(self._hmac_key, nik.encode(), hashlib.sha256).digest()

    def fingerprint(self, canonical: bytes) -> bytes:
        """Return the keyed digest of an item's content (it may hold a NIK, so never a bare hash)."""
        return hmac.new(self._hmac_key, b"fingerprint:" + canonical, hashlib.sha256).digest()

    def seal(self, plaintext: str, *, context: bytes) -> bytes:
        """Encrypt ``plaintext``; ``context`` (e.g. the field name) is authenticated, not stored."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), context)

    def open(self, sealed: bytes, *, context: bytes) -> str:
        """Decrypt what ``seal`` produced with the same context."""
        return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context).decode()
