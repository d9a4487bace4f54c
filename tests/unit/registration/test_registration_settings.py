"""Registration settings: a malformed NIK key is a configuration error naming it, never printing it."""

import pytest

from jangkau_registration.config import RegistrationSettings
from jangkau_shared.settings import ConfigurationError, load_settings
from support import TEST_NIK_ENCRYPTION_KEY, TEST_NIK_HMAC_KEY


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("NIK_ENCRYPTION_KEY", "not base64 Secr3t!", "is not base64"),
        ("NIK_ENCRYPTION_KEY", "U2VjcjN0LXRvby1zaG9ydA==", "must decode to 32 bytes, not 16"),
        ("NIK_HMAC_KEY", "Secr3t-but-too-short", "must be at least 32 characters"),
    ],
)
def test_a_malformed_nik_key_is_refused_at_start_without_printing_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    monkeypatch.setenv("JANGKAU_REGISTRATION_KAFKA_BOOTSTRAP_SERVERS", "b:9092")
    monkeypatch.setenv("JANGKAU_REGISTRATION_DATABASE_URL", "postgresql+asyncpg://u:p@h/db")
    monkeypatch.setenv("JANGKAU_REGISTRATION_NIK_ENCRYPTION_KEY", TEST_NIK_ENCRYPTION_KEY)
    monkeypatch.setenv("JANGKAU_REGISTRATION_NIK_HMAC_KEY", TEST_NIK_HMAC_KEY)
    monkeypatch.setenv(f"JANGKAU_REGISTRATION_{variable}", value)

    with pytest.raises(ConfigurationError) as caught:
        load_settings(RegistrationSettings)

    assert f"JANGKAU_REGISTRATION_{variable}: {reason}" in str(caught.value)
    assert "Secr3t" not in str(caught.value)
