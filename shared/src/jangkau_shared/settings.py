"""Settings bases on pydantic-settings: one env prefix per service, secrets without defaults."""

import base64
import binascii
import contextlib
from functools import partial
from pathlib import Path
from typing import Literal, Self, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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
        demo = [
            _variable(self, name)
            for name, value in self
            if isinstance(value, SecretStr) and _looks_like_demo(value.get_secret_value())
        ]
        if demo:
            raise ValueError(f"public demo secrets in production, set your own: {', '.join(demo)}")
        return self


def _variable(settings: BaseSettings, name: str) -> str:
    """The environment variable of a setting, e.g. JANGKAU_METRICS_KAFKA_SASL_PASSWORD."""
    return f"{settings.model_config.get('env_prefix', '')}{name}".upper()


def _missing_files(settings: BaseSettings, names: tuple[str, ...]) -> list[str]:
    paths = {name: getattr(settings, name) for name in names}
    return [f"{_variable(settings, n)}={p} does not exist" for n, p in paths.items() if p and not p.is_file()]


KafkaProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class KafkaSettings(BaseSettings):
    """How to reach the Kafka cluster; TLS and SASL are configuration only."""

    kafka_bootstrap_servers: str = Field(description="Comma-separated host:port list of brokers.")
    kafka_security_protocol: KafkaProtocol = Field(
        default="PLAINTEXT", description="PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL (SASL over TLS)."
    )
    kafka_sasl_mechanism: SaslMechanism | None = Field(
        default=None, description="With SASL_*: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512."
    )
    kafka_sasl_username: str | None = Field(default=None, description="With SASL_*: the user.")
    kafka_sasl_password: SecretStr | None = Field(default=None, description="With SASL_*: the password.")
    kafka_ssl_cafile: Path | None = Field(
        default=None,
        description="With SSL/SASL_SSL: PEM CA bundle that signs the brokers (system CAs if unset).",
    )
    kafka_ssl_certfile: Path | None = Field(
        default=None,
        description="With SSL/SASL_SSL: PEM client certificate, when brokers ask for one (mTLS).",
    )
    kafka_ssl_keyfile: Path | None = Field(
        default=None,
        description="PEM private key of the client certificate (if not in the certificate file).",
    )
    kafka_ssl_key_password: SecretStr | None = Field(
        default=None, description="Password of an encrypted client key."
    )
    kafka_client_id: str = Field(default="jangkau", description="Client id shown in broker logs.")
    kafka_topic_prefix: str = Field(
        default="", description="Prefix put before every topic name (isolates tests or tenants)."
    )

    kafka_topic_replication_factor: int = Field(
        default=1, ge=1, description="Replication factor of topics the services create (3 in production)."
    )

    @model_validator(mode="after")
    def _kafka_security_is_complete(self) -> Self:
        protocol, var = self.kafka_security_protocol, partial(_variable, self)
        sasl = ("kafka_sasl_mechanism", "kafka_sasl_username", "kafka_sasl_password")
        tls = ("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile", "kafka_ssl_key_password")
        if protocol.startswith("SASL"):
            problems = [f"{var(n)} is required with {protocol}" for n in sasl if getattr(self, n) is None]
        else:
            problems = [
                f"{var(n)} needs SASL_PLAINTEXT or SASL_SSL, not {protocol}" for n in sasl if getattr(self, n)
            ]
        if not protocol.endswith("SSL"):
            problems += [f"{var(n)} needs SSL or SASL_SSL, not {protocol}" for n in tls if getattr(self, n)]
        if (self.kafka_ssl_keyfile or self.kafka_ssl_key_password) and not self.kafka_ssl_certfile:
            problems.append(f"{var('kafka_ssl_keyfile')} and its password need {var('kafka_ssl_certfile')}")
        problems += _missing_files(self, tls[:3])
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def topic(self, name: str) -> str:
        """Return the topic name as this deployment spells it."""
        return f"{self.kafka_topic_prefix}{name}"


SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


class DatabaseSettings(BaseSettings):
    """How to reach this service's own PostgreSQL database."""

    database_url: SecretStr = Field(
        description="SQLAlchemy URL, e.g. postgresql+asyncpg://user:password@host:5432/registration."
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_sslmode: SslMode = Field(
        default="prefer",
        description="TLS towards PostgreSQL, as libpq's sslmode: disable, allow, prefer, require, "
        "verify-ca (checks the CA) or verify-full (also the host name; use it in production).",
    )
    database_sslrootcert: Path | None = Field(
        default=None, description="PEM CA bundle that signs the server (system CAs if unset)."
    )
    database_sslcert: Path | None = Field(
        default=None, description="PEM client certificate, if the server asks."
    )
    database_sslkey: Path | None = Field(
        default=None,
        description="PEM private key of the client certificate (if not in the certificate file).",
    )
    database_sslpassword: SecretStr | None = Field(
        default=None, description="Password of an encrypted client key."
    )

    @field_validator("database_url")
    @classmethod
    def _is_a_url(cls, value: SecretStr) -> SecretStr:
        try:
            make_url(value.get_secret_value())
        except ArgumentError:
            raise ValueError("is not a URL like postgresql+asyncpg://user:password@host:5432/name") from None
        return value

    @model_validator(mode="after")
    def _database_tls_is_complete(self) -> Self:
        var, files = partial(_variable, self), ("database_sslrootcert", "database_sslcert", "database_sslkey")
        problems = []
        if self.database_sslmode in ("disable", "allow", "prefer"):
            problems = [
                f"{var(n)} needs {var('database_sslmode')} require, verify-ca or verify-full"
                for n in (*files, "database_sslpassword")
                if getattr(self, n)
            ]
        if (self.database_sslkey or self.database_sslpassword) and not self.database_sslcert:
            problems.append(f"{var('database_sslkey')} and its password need {var('database_sslcert')}")
        problems += _missing_files(self, files)
        if problems:
            raise ValueError("; ".join(problems))
        return self


S = TypeVar("S", bound=BaseSettings)


def load_settings(cls: type[S]) -> S:
    """Build settings from the environment, or fail naming every missing or invalid variable."""
    try:
        return cls()
    except ValidationError as err:
        prefix = str(cls.model_config.get("env_prefix", ""))
        # Only the message of each error: its input may be a secret.
        problems = [_problem(prefix, e["loc"], e["msg"]) for e in err.errors()]
        raise ConfigurationError(f"{cls.__name__} is not configured: " + "; ".join(problems)) from None


def _problem(prefix: str, loc: tuple[int | str, ...], message: str) -> str:
    message = message.removeprefix("Value error, ")
    if not loc:  # a rule across settings: its message names the variables
        return message
    return f"{prefix}{'_'.join(str(p) for p in loc).upper()}: {message}"
