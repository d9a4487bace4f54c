"""Settings: a missing secret fails at start with a message naming the variable."""

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from jangkau_shared.kafka import create_producer
from jangkau_shared.settings import (
    ConfigurationError,
    DatabaseSettings,
    KafkaSettings,
    ServiceSettings,
    load_settings,
)


class ExampleSettings(ServiceSettings, KafkaSettings, DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="JANGKAU_EXAMPLE_")

    api_secret: SecretStr


def test_a_missing_secret_is_reported_by_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANGKAU_EXAMPLE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    monkeypatch.setenv("JANGKAU_EXAMPLE_DATABASE_URL", "postgresql+asyncpg://u:p@h/db")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(ExampleSettings)
    assert "JANGKAU_EXAMPLE_API_SECRET" in str(caught.value)
    assert "JANGKAU_EXAMPLE_DATABASE_URL" not in str(caught.value)


def test_the_environment_defaults_to_production_so_demo_settings_must_be_explicit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JANGKAU_EXAMPLE_KAFKA_BOOTSTRAP_SERVERS", "b:9092")
    monkeypatch.setenv("JANGKAU_EXAMPLE_DATABASE_URL", "postgresql+asyncpg://u:p@h/db")
    monkeypatch.setenv("JANGKAU_EXAMPLE_API_SECRET", "x")
    assert load_settings(ExampleSettings).environment == "production"


async def test_producers_are_idempotent_and_wait_for_all_replicas() -> None:
    producer = create_producer(KafkaSettings(kafka_bootstrap_servers="127.0.0.1:1"))
    try:
        assert producer._txn_manager is not None, "idempotence is off"
        assert producer._sender._acks == -1, "acks is not all"
    finally:
        await producer.stop()


def test_production_refuses_the_public_demo_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANGKAU_EXAMPLE_KAFKA_BOOTSTRAP_SERVERS", "b:9092")
    monkeypatch.setenv("JANGKAU_EXAMPLE_DATABASE_URL", "postgresql+asyncpg://u:p@h/db")
    monkeypatch.setenv("JANGKAU_EXAMPLE_API_SECRET", "ZGVtby1vbmx5LWtleS1uZXZlci1mb3ItcmVhbC11c2U=")
    with pytest.raises(ConfigurationError, match="public demo secrets") as caught:
        load_settings(ExampleSettings)
    assert "JANGKAU_EXAMPLE_API_SECRET" in str(caught.value)
    assert "ZGVtby1" not in str(caught.value)
    monkeypatch.setenv("JANGKAU_EXAMPLE_ENVIRONMENT", "local")
    assert load_settings(ExampleSettings).environment == "local"


def test_logs_go_to_the_stderr_of_the_moment_not_one_closed_since(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import sys

    import structlog

    from jangkau_shared.observability import configure_logging

    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging("example", ServiceSettings(environment="test"))
    structlog.get_logger("t").warning("one")
    first.close()
    monkeypatch.setattr(sys, "stderr", second)
    structlog.get_logger("t").warning("two")
    assert '"event": "two"' in second.getvalue()
