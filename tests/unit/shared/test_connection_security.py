"""Kafka SASL/TLS and PostgreSQL TLS are settings: loaded from the environment, checked, wired in."""

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic_settings import SettingsConfigDict
from sqlalchemy import event

from jangkau_shared.db import create_engine, tls
from jangkau_shared.kafka import connection_options, faststream_security
from jangkau_shared.settings import ConfigurationError, DatabaseSettings, KafkaSettings, load_settings

PASSWORD = "Kafka-Pa55word-never-printed"


class Example(KafkaSettings, DatabaseSettings):
    model_config = SettingsConfigDict(env_prefix="JANGKAU_EXAMPLE_", frozen=True, extra="ignore")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The two required settings; each test adds the security ones."""
    monkeypatch.setenv("JANGKAU_EXAMPLE_KAFKA_BOOTSTRAP_SERVERS", "broker-1:9093,broker-2:9093")
    monkeypatch.setenv("JANGKAU_EXAMPLE_DATABASE_URL", "postgresql+asyncpg://app:Db-Pa55@db:5432/app")
    return monkeypatch


def _set(env: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        env.setenv(f"JANGKAU_EXAMPLE_{name.upper()}", value)


def _refused(*needles: str) -> str:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(Example)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, message
    assert PASSWORD not in message
    return message


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, and a client certificate it signed with the client's key (PEM files)."""
    folder = tmp_path_factory.mktemp("pki")
    now = datetime.now(UTC)

    def certificate(
        name: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: x509.Name,
        signer: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        builder = x509.CertificateBuilder(
            subject_name=subject,
            issuer_name=issuer if not ca else subject,
            public_key=key.public_key(),
            serial_number=x509.random_serial_number(),
            not_valid_before=now - timedelta(days=1),
            not_valid_after=now + timedelta(days=1),
        ).add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        return builder.sign(signer, hashes.SHA256())

    ca_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("Jangkau test CA", ca_key, x509.Name([]), ca_key, ca=True)
    client = certificate("jangkau-registration", client_key, ca.subject, ca_key, ca=False)
    files = {"ca": folder / "ca.pem", "cert": folder / "client.pem", "key": folder / "client.key"}
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["cert"].write_bytes(client.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(
        client_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    return files


def test_plaintext_is_the_default_and_needs_nothing(env: pytest.MonkeyPatch) -> None:
    settings = load_settings(Example)
    assert faststream_security(settings) is None
    assert connection_options(settings)["security_protocol"] == "PLAINTEXT"
    assert tls(settings) == "prefer"


@pytest.mark.parametrize(
    ("mechanism", "kind"),
    [("PLAIN", SASLPlaintext), ("SCRAM-SHA-256", SASLScram256), ("SCRAM-SHA-512", SASLScram512)],
)
def test_sasl_over_tls_from_the_environment_gives_faststream_and_aiokafka_the_same_credentials(
    env: pytest.MonkeyPatch, pki: dict[str, Path], mechanism: str, kind: type[BaseSecurity]
) -> None:
    _set(
        env,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism=mechanism,
        kafka_sasl_username="jangkau-registration",
        kafka_sasl_password=PASSWORD,
        kafka_ssl_cafile=str(pki["ca"]),
    )
    settings = load_settings(Example)

    security = faststream_security(settings)
    options = connection_options(settings)

    assert type(security) is kind
    assert security.use_ssl
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == mechanism
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "jangkau-registration",
        PASSWORD,
    )
    context = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "Jangkau test CA"),),)]
    assert PASSWORD not in repr(settings)


def test_sasl_without_tls_sends_no_tls_context(env: pytest.MonkeyPatch) -> None:
    _set(
        env,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="SCRAM-SHA-256",
        kafka_sasl_username="u",
        kafka_sasl_password=PASSWORD,
    )
    options = connection_options(load_settings(Example))
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["ssl_context"] is None


def test_tls_with_a_client_certificate_loads_the_encrypted_key(
    env: pytest.MonkeyPatch, pki: dict[str, Path]
) -> None:
    _set(
        env,
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=str(pki["ca"]),
        kafka_ssl_certfile=str(pki["cert"]),
        kafka_ssl_keyfile=str(pki["key"]),
        kafka_ssl_key_password=PASSWORD,
    )
    settings = load_settings(Example)
    security = faststream_security(settings)
    assert type(security) is BaseSecurity
    assert security.ssl_context is not None
    assert connection_options(settings)["security_protocol"] == "SSL"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        (
            {
                "kafka_security_protocol": "SASL_SSL",
                "kafka_sasl_mechanism": "PLAIN",
                "kafka_sasl_username": "u",
            },
            "JANGKAU_EXAMPLE_KAFKA_SASL_PASSWORD is required with SASL_SSL",
        ),
        (
            {
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_username": "u",
                "kafka_sasl_password": PASSWORD,
            },
            "JANGKAU_EXAMPLE_KAFKA_SASL_MECHANISM is required",
        ),
        (
            {"kafka_sasl_username": "u", "kafka_sasl_password": PASSWORD},
            "JANGKAU_EXAMPLE_KAFKA_SASL_PASSWORD needs SASL_PLAINTEXT or SASL_SSL, not PLAINTEXT",
        ),
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-1"},
            "JANGKAU_EXAMPLE_KAFKA_SASL_MECHANISM",
        ),
        (
            {"kafka_ssl_cafile": "/etc/ssl/kafka-ca.pem"},
            "JANGKAU_EXAMPLE_KAFKA_SSL_CAFILE needs SSL or SASL_SSL",
        ),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_cafile": "/nowhere/kafka-ca.pem"},
            "JANGKAU_EXAMPLE_KAFKA_SSL_CAFILE=/nowhere/kafka-ca.pem does not exist",
        ),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_key_password": PASSWORD},
            "need JANGKAU_EXAMPLE_KAFKA_SSL_CERTFILE",
        ),
    ],
)
def test_an_incomplete_or_contradictory_kafka_security_setting_is_refused_naming_the_variable(
    env: pytest.MonkeyPatch, values: dict[str, str], named: str
) -> None:
    _set(env, **values)
    _refused(named)


@pytest.mark.parametrize(
    ("mode", "verify", "hostname"),
    [
        ("require", ssl.CERT_REQUIRED, False),
        ("verify-ca", ssl.CERT_REQUIRED, False),
        ("verify-full", ssl.CERT_REQUIRED, True),
    ],
)
def test_postgres_tls_with_a_root_certificate_verifies_as_libpq_would(
    env: pytest.MonkeyPatch, pki: dict[str, Path], mode: str, verify: ssl.VerifyMode, hostname: bool
) -> None:
    _set(env, database_sslmode=mode, database_sslrootcert=str(pki["ca"]))
    context = tls(load_settings(Example))
    assert isinstance(context, ssl.SSLContext)
    assert (context.verify_mode, context.check_hostname) == (verify, hostname)
    assert len(context.get_ca_certs()) == 1


def test_postgres_require_without_a_root_certificate_encrypts_without_checking(
    env: pytest.MonkeyPatch,
) -> None:
    _set(env, database_sslmode="require")
    context = tls(load_settings(Example))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_NONE


async def test_postgres_client_certificate_reaches_the_asyncpg_connect_arguments(
    env: pytest.MonkeyPatch, pki: dict[str, Path]
) -> None:
    _set(
        env,
        database_sslmode="verify-full",
        database_sslrootcert=str(pki["ca"]),
        database_sslcert=str(pki["cert"]),
        database_sslkey=str(pki["key"]),
        database_sslpassword=PASSWORD,
    )
    engine = create_engine(load_settings(Example))
    seen: dict[str, Any] = {}

    @event.listens_for(engine.sync_engine, "do_connect")
    def capture(dialect: object, record: object, cargs: object, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise _Captured

    try:
        with pytest.raises(_Captured):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
    context = seen["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname
    assert seen["password"] == "Db-Pa55"


class _Captured(Exception):
    """Raised by the test before a connection is attempted."""


@pytest.mark.parametrize(
    ("values", "named"),
    [
        (
            {"database_sslrootcert": "/etc/ssl/pg-ca.pem"},
            "JANGKAU_EXAMPLE_DATABASE_SSLROOTCERT needs JANGKAU_EXAMPLE_DATABASE_SSLMODE require",
        ),
        (
            {"database_sslmode": "verify-full", "database_sslrootcert": "/nowhere/pg-ca.pem"},
            "JANGKAU_EXAMPLE_DATABASE_SSLROOTCERT=/nowhere/pg-ca.pem does not exist",
        ),
        (
            {"database_sslmode": "require", "database_sslpassword": PASSWORD},
            "need JANGKAU_EXAMPLE_DATABASE_SSLCERT",
        ),
        ({"database_sslmode": "verify-everything"}, "JANGKAU_EXAMPLE_DATABASE_SSLMODE"),
        (
            {"database_url": f"postgresql+asyncpg//app:{PASSWORD}@db/app"},
            "JANGKAU_EXAMPLE_DATABASE_URL: is not a URL",
        ),
    ],
)
def test_an_incomplete_or_contradictory_postgres_tls_setting_is_refused_naming_the_variable(
    env: pytest.MonkeyPatch, values: dict[str, str], named: str
) -> None:
    _set(env, **values)
    _refused(named)
