"""Registration settings: env prefix ``JANGKAU_REGISTRATION_``; secrets have no defaults."""

from pathlib import Path

from pydantic import Field, SecretStr
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
