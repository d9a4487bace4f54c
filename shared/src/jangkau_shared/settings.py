"""Settings bases on pydantic-settings: one env prefix per service, secrets without defaults."""

import base64
import binascii
import contextlib
from pathlib import Path
from typing import Literal, Self, TypeVar

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["local", "test", "production"]


class ConfigurationError(RuntimeError):
    """Configuration is missing or invalid; the message names the environment variables."""


#: Substrings that mark the public demo and test secrets shipped in this repository.
DEMO_MARKERS = ("demo-only", "test-only", "jangkau-local")


def _looks_like_demo(secret: str) -> bool:
    candidates = [secret]
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(base64.b64decode(secret, validate=True).decode(errors="ignore"))
    return any(marker in c for c in candidates for marker in DEMO_MARKERS)


class ServiceSettings(BaseSettings):
    """Settings every service has. Subclasses set ``env_prefix`` (e.g. ``JANGKAU_METRICS_``)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_file=None)

    environment: Environment = Field(
        default="production",
        description="local and test accept the demo secrets in deploy/local.env; production refuses them.",
    )
    log_level: str = Field(default="INFO", description="Python log level name.")
    log_json: bool = Field(default=True, description="Log one JSON object per line (off: console).")

    @model_validator(mode="after")
    def _no_demo_secrets_in_production(self) -> Self:
        if self.environment != "production":
            return self
        prefix = str(self.model_config.get("env_prefix", ""))
        demo = [
            f"{prefix}{name}".upper()
            for name, value in self
            if isinstance(value, SecretStr) and _looks_like_demo(value.get_secret_value())
        ]
        if demo:
            raise ValueError(f"public demo secrets in production, set your own: {', '.join(demo)}")
        return self


class KafkaSettings(BaseSettings):
    """How to reach the Kafka cluster; TLS and SASL are configuration only."""

    kafka_bootstrap_servers: str = Field(description="Comma-separated host:port list of brokers.")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = Field(default=None, description="CA bundle to verify brokers.")
    kafka_client_id: str = Field(default="jangkau", description="Client id shown in broker logs.")
    kafka_topic_prefix: str = Field(
        default="", description="Prefix put before every topic name (isolates tests or tenants)."
    )

    kafka_topic_replication_factor: int = Field(
        default=1, ge=1, description="Replication factor of topics the services create (3 in production)."
    )

    def topic(self, name: str) -> str:
        """Return the topic name as this deployment spells it."""
        return f"{self.kafka_topic_prefix}{name}"


class DatabaseSettings(BaseSettings):
    """How to reach this service's own PostgreSQL database."""

    database_url: SecretStr = Field(
        description="SQLAlchemy URL, e.g. postgresql+asyncpg://user:password@host:5432/registration."
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_ssl: Literal["disable", "prefer", "require", "verify-full"] = Field(
        default="prefer", description="TLS towards PostgreSQL (verify-full in production)."
    )


S = TypeVar("S", bound=BaseSettings)


def load_settings(cls: type[S]) -> S:
    """Build settings from the environment, or fail naming every missing or invalid variable."""
    try:
        return cls()
    except ValidationError as err:
        prefix = str(cls.model_config.get("env_prefix", ""))
        problems = [f"{prefix}{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in err.errors()]
        raise ConfigurationError(f"{cls.__name__} is not configured: " + "; ".join(problems)) from None
