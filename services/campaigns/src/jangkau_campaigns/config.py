"""Campaigns settings: env prefix ``JANGKAU_CAMPAIGNS_``."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from jangkau_shared.settings import DatabaseSettings, KafkaSettings, ServiceSettings


class CampaignsSettings(ServiceSettings, KafkaSettings, DatabaseSettings):
    """Everything the campaigns service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="JANGKAU_CAMPAIGNS_", frozen=True, extra="ignore")

    consumer_group: str = Field(default="jangkau-campaigns", description="Kafka consumer group id.")
    event_source: str = Field(default="/jangkau/campaigns", description="CloudEvents source.")
