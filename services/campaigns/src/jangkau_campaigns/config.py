"""Campaigns settings: env prefix ``JANGKAU_CAMPAIGNS_``."""

from datetime import timedelta

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from jangkau_shared.settings import DatabaseSettings, KafkaSettings, ServiceSettings


class CampaignsSettings(ServiceSettings, KafkaSettings, DatabaseSettings):
    """Everything the campaigns service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="JANGKAU_CAMPAIGNS_", frozen=True, extra="ignore")

    consumer_group: str = Field(default="jangkau-campaigns", description="Kafka consumer group id.")
    event_source: str = Field(default="/jangkau/campaigns", description="CloudEvents source.")
    batch_max_records: int = Field(default=500, ge=1, le=10_000, description="Events applied per commit.")
    run_relay: bool = Field(default=True, description="Run the outbox relay inside the API process.")
    run_consumer: bool = Field(default=True, description="Consume registrations and payments in-process.")
    parked_ttl_seconds: float = Field(
        default=7 * 24 * 3600,
        gt=0,
        description="How long an event naming an unknown campaign waits before it is dead-lettered.",
    )
    sweep_interval_seconds: float = Field(
        default=60.0, gt=0, description="How often parked events are re-checked and expired."
    )

    @property
    def parked_ttl(self) -> timedelta:
        """How long an event naming an unknown campaign is kept."""
        return timedelta(seconds=self.parked_ttl_seconds)
