"""Metrics settings: env prefix ``JANGKAU_METRICS_``."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from jangkau_shared.settings import DatabaseSettings, KafkaSettings, ServiceSettings


class MetricsSettings(ServiceSettings, KafkaSettings, DatabaseSettings):
    """Everything the metrics service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="JANGKAU_METRICS_", frozen=True, extra="ignore")

    consumer_group: str = Field(
        default="jangkau-metrics",
        description=(
            "Kafka consumer group id of the participant consumer; the campaign consumer's is this"
            " plus `.campaigns`."
        ),
    )
    batch_max_records: int = Field(default=2_000, ge=1, le=10_000, description="Events folded per commit.")
    event_source: str = Field(default="/jangkau/metrics", description="CloudEvents source for DLQ records.")
    utc_offset_hours: int = Field(
        default=7, ge=-12, le=14, description="Offset of the local day states follow (7: WIB, Jakarta)."
    )
    coverage_plan: Path | None = Field(
        default=None, description="TOML of regions, workforce and targets; the packaged demo plan if unset."
    )
    lag_interval_seconds: float = Field(
        default=10.0, gt=0, description="How often consumer lag per partition is measured."
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="Bearer token that may set and delete targets (API, `jangkau target`); unset: read-only.",
    )
    view_refresh_seconds: float = Field(
        default=0.1,
        gt=0,
        le=60,
        description=(
            "How often the served counts read the rows other instances changed (this instance's own"
            " commits are read at once)."
        ),
    )
    compact_seconds: float = Field(
        default=60.0,
        ge=0,
        description=(
            "How often an instance folds the count tables' per-partition rows into one row per key"
            " (one instance at a time; 0: never). Keeps a new instance's first read and the past-day"
            " reads proportional to the keys, not to keys times partitions."
        ),
    )
    compact_pages: int = Field(
        default=1_000,
        ge=1,
        le=1_000_000,
        description="Heap pages of a count table (8 KiB each) folded per compaction transaction.",
    )
    retry_max_seconds: float = Field(
        default=5.0, gt=0, description="Longest pause before a batch that hit a transient failure is retried."
    )
