"""Settings, read once from the environment (and an optional .env file) in the composition root."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///boussole.db"


class Settings(BaseSettings):
    """Everything that is not a platform credential. Platform settings live beside it."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    host: str = Field(default="127.0.0.1", alias="HOST")
    port: int = Field(default=3978, alias="PORT", ge=1, le=65535)
    public_base_url: str = Field(default="", alias="PUBLIC_BASE_URL")
    default_locale: str = Field(default="fr", alias="BOUSSOLE_LOCALE", pattern="^(fr|en)$")
    default_timezone: str = Field(default="Europe/Paris", alias="BOUSSOLE_TIMEZONE")
    log_level: str = Field(
        default="", alias="LOG_LEVEL"
    )  # "" = INFO for servers, WARNING in a terminal
    ritual_grace_seconds: int = Field(default=3600, alias="RITUAL_GRACE_SECONDS", ge=0)
    ritual_lead_seconds: float = Field(default=10.0, alias="RITUAL_LEAD_SECONDS", ge=0, le=300)
