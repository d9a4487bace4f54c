"""Registration settings: env prefix ``JANGKAU_REGISTRATION_``; secrets have no defaults."""

import base64
import binascii
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from jangkau_shared.settings import DatabaseSettings, KafkaSettings, ServiceSettings


class RegistrationSettings(ServiceSettings, KafkaSettings, DatabaseSettings):
    """Everything the registration service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="JANGKAU_REGISTRATION_", frozen=True, extra="ignore")

    nik_encryption_key: SecretStr = Field(
        description="Base64 of 32 random bytes: AES-256-GCM key that encrypts NIKs at rest."
    )
    nik_hmac_key: SecretStr = Field(
        description="Secret (at least 32 characters) of the keyed hash that finds a participant by NIK."
    )
    event_source: str = Field(
        default="/jangkau/registration", description="CloudEvents source of the events it publishes."
    )
    run_relay: bool = Field(default=True, description="Run the outbox relay inside the API process.")
    rates_file: Path | None = Field(
        default=None,
        description="TOML rate table (rates, discounts, income brackets); the packaged rates.toml if unset.",
    )

    @field_validator("nik_encryption_key")
    @classmethod
    def _is_an_aes_256_key(cls, value: SecretStr) -> SecretStr:
        # The messages never hold the value: this is a secret.
        try:
            key = base64.b64decode(value.get_secret_value(), validate=True)
        except binascii.Error:
            raise ValueError("is not base64 (make one with `openssl rand -base64 32`)") from None
        if len(key) != 32:
            raise ValueError(f"must decode to 32 bytes, not {len(key)} (`openssl rand -base64 32`)")
        return value

    @field_validator("nik_hmac_key")
    @classmethod
    def _is_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (`openssl rand -base64 48`)")
        return value
