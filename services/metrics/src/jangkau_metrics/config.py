"""Metrics settings: env prefix ``JANGKAU_METRICS_``."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from jangkau_shared.settings import DatabaseSettings, KafkaSettings, ServiceSettings


class MetricsSettings(ServiceSettings, KafkaSettings, DatabaseSettings):
    """Everything the metrics service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="JANGKAU_METRICS_", frozen=True, extra="ignore")

    consumer_group: str = Field(default="jangkau-metrics", description="Kafka consumer group id.")
    batch_max_records: int = Field(default=500, ge=1, le=10_000, description="Events folded per commit.")
    event_source: str = Field(default="/jangkau/metrics", description="CloudEvents source for DLQ records.")
