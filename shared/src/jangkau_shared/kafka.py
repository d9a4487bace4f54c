"""Kafka client factories: idempotent producers with acks=all, FastStream brokers, topic admin."""

import contextlib
import ssl
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context
from faststream.kafka import KafkaBroker
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from jangkau_shared.settings import KafkaSettings
from jangkau_shared.topics import ALL_TOPICS, dead_letter_topic, partitions_for


def _ssl_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    """TLS context of SSL and SASL_SSL: the CA bundle (or the system's) and the client certificate."""
    if not settings.kafka_security_protocol.endswith("SSL"):
        return None
    password = settings.kafka_ssl_key_password
    context: ssl.SSLContext = create_ssl_context(
        cafile=settings.kafka_ssl_cafile,
        certfile=settings.kafka_ssl_certfile,
        keyfile=settings.kafka_ssl_keyfile,
        password=password.get_secret_value() if password else None,
    )
    return context


def faststream_security(settings: KafkaSettings) -> BaseSecurity | None:
    """Translate the settings into FastStream's security object (None: plaintext)."""
    context = _ssl_context(settings)
    if not settings.kafka_security_protocol.startswith("SASL"):
        return BaseSecurity(ssl_context=context) if context else None
    kinds: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
        "PLAIN": SASLPlaintext,
        "SCRAM-SHA-256": SASLScram256,
        "SCRAM-SHA-512": SASLScram512,
    }
    mechanism, username, password = (
        settings.kafka_sasl_mechanism,
        settings.kafka_sasl_username,
        settings.kafka_sasl_password,
    )
    if mechanism is None or username is None or password is None:  # KafkaSettings refuses this
        raise ValueError(f"{settings.kafka_security_protocol} needs a SASL mechanism, username and password")
    return kinds[mechanism](
        username=username,
        password=password.get_secret_value(),
        ssl_context=context,
        use_ssl=context is not None,
    )


def connection_options(settings: KafkaSettings) -> dict[str, Any]:
    """Return the aiokafka connection options (bootstrap, TLS, SASL): the same as the FastStream broker's."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.kafka_client_id,
        "security_protocol": "PLAINTEXT",
    }
    return options | parse_security(faststream_security(settings))


def create_producer(settings: KafkaSettings, **overrides: Any) -> AIOKafkaProducer:
    """Return an unstarted idempotent producer that waits for all in-sync replicas."""
    options = connection_options(settings) | {
        "enable_idempotence": True,
        "acks": "all",
        "linger_ms": 5,
        "max_batch_size": 256 * 1024,
    }
    return AIOKafkaProducer(**(options | overrides))


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
        # A dead-letter topic has its topic's partition count.
        wanted = {settings.topic(t): partitions_for(t) for t in topics}
        wanted |= {dead_letter_topic(name): count for name, count in wanted.items()}
        existing = set(await admin.list_topics())
        new = [
            NewTopic(name, num_partitions=count, replication_factor=settings.kafka_topic_replication_factor)
            for name, count in wanted.items()
            if name not in existing
        ]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):  # another instance was first
                await admin.create_topics(new)
    finally:
        await admin.close()
