"""Kafka client factories: idempotent producers with acks=all, FastStream brokers, topic admin."""

import contextlib
import ssl
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from jangkau_shared.settings import KafkaSettings
from jangkau_shared.topics import ALL_TOPICS, dead_letter_topic, partitions_for


def _ssl_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    if settings.kafka_security_protocol not in ("SSL", "SASL_SSL"):
        return None
    cafile = str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
    return ssl.create_default_context(cafile=cafile)


def _sasl_credentials(settings: KafkaSettings) -> tuple[str, str, str] | None:
    """Return (mechanism, username, password) when SASL is configured, else None."""
    if not settings.kafka_security_protocol.startswith("SASL"):
        return None
    if not (settings.kafka_sasl_mechanism and settings.kafka_sasl_username):
        raise ValueError("SASL needs kafka_sasl_mechanism and kafka_sasl_username")
    password = settings.kafka_sasl_password
    secret = password.get_secret_value() if password else ""
    return settings.kafka_sasl_mechanism, settings.kafka_sasl_username, secret


def connection_options(settings: KafkaSettings) -> dict[str, Any]:
    """Return the aiokafka connection options (bootstrap, TLS, SASL) of ``settings``."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
        "client_id": settings.kafka_client_id,
        "ssl_context": _ssl_context(settings),
    }
    sasl = _sasl_credentials(settings)
    if sasl:
        mechanism, username, password = sasl
        options |= {
            "sasl_mechanism": mechanism,
            "sasl_plain_username": username,
            "sasl_plain_password": password,
        }
    return options


def create_producer(settings: KafkaSettings, **overrides: Any) -> AIOKafkaProducer:
    """Return an unstarted idempotent producer that waits for all in-sync replicas."""
    options = connection_options(settings) | {
        "enable_idempotence": True,
        "acks": "all",
        "linger_ms": 5,
        "max_batch_size": 256 * 1024,
    }
    return AIOKafkaProducer(**(options | overrides))


def faststream_security(settings: KafkaSettings) -> BaseSecurity | None:
    """Translate the settings into FastStream's security object."""
    context = _ssl_context(settings)
    sasl = _sasl_credentials(settings)
    if sasl is None:
        return BaseSecurity(ssl_context=context) if context else None
    mechanism, username, password = sasl
    kinds: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
        "PLAIN": SASLPlaintext,
        "SCRAM-SHA-256": SASLScram256,
        "SCRAM-SHA-512": SASLScram512,
    }
    return kinds[mechanism](
        username=username, password=password, ssl_context=context, use_ssl=context is not None
    )


def create_broker(settings: KafkaSettings, **overrides: Any) -> KafkaBroker:
    """Return an unconnected FastStream broker with the same connection settings."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.kafka_client_id,
        security=faststream_security(settings),
        **overrides,
    )


async def ensure_topics(settings: KafkaSettings, topics: tuple[str, ...] = ALL_TOPICS) -> None:
    """Create the contract's topics and their dead-letter topics when missing."""
    admin = AIOKafkaAdminClient(**connection_options(settings))
    await admin.start()
    try:
        names = [settings.topic(t) for t in topics]
        wanted = [*names, *(dead_letter_topic(t) for t in names)]
        existing = set(await admin.list_topics())
        new = [
            NewTopic(
                name,
                num_partitions=partitions_for(
                    name.removesuffix(".dlq.v1").removeprefix(settings.kafka_topic_prefix)
                ),
                replication_factor=settings.kafka_topic_replication_factor,
            )
            for name in wanted
            if name not in existing
        ]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):  # another instance was first
                await admin.create_topics(new)
    finally:
        await admin.close()
