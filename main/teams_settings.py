"""Teams settings from the environment (TEAMS_*), turned into the adapter's TeamsConfig."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adapters.teams.config import (
    BOT_FRAMEWORK_OPENID_METADATA_URL,
    DEFAULT_SERVICE_HOSTS,
    TeamsConfig,
)


class TeamsSettings(BaseSettings):
    """TEAMS_APP_ID, TEAMS_APP_PASSWORD (no defaults: secrets), TEAMS_TENANT_ID,
    TEAMS_INSECURE_LOCAL_DEV, TEAMS_ALLOWED_SERVICE_HOSTS (comma-separated), and overrides of
    Microsoft's endpoints: TEAMS_OPENID_METADATA_URL, TEAMS_TOKEN_URL (bot tokens by a plain
    OAuth2 client-credentials request instead of MSAL; unset: MSAL and Microsoft's endpoint)."""

    model_config = SettingsConfigDict(env_prefix="TEAMS_", extra="ignore")

    app_id: str | None = None
    app_password: SecretStr | None = None
    tenant_id: str = ""
    insecure_local_dev: bool = False
    allowed_service_hosts: Annotated[tuple[str, ...], NoDecode] = DEFAULT_SERVICE_HOSTS
    openid_metadata_url: str = BOT_FRAMEWORK_OPENID_METADATA_URL
    token_url: str | None = None
    http_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("allowed_service_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(host.strip() for host in value.split(",") if host.strip())
        return value

    @field_validator("token_url", mode="after")
    @classmethod
    def _check_token_url(cls, value: str | None) -> str | None:
        url = (value or "").strip()
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"TEAMS_TOKEN_URL must be an http:// or https:// URL (the OAuth2 token "
                f"endpoint), not {url!r}"
            )
        return url

    def _credentials(self) -> tuple[str, str]:
        app_id = (self.app_id or "").strip()
        password = self.app_password.get_secret_value() if self.app_password else ""
        return app_id, password

    def why_off(self) -> str:
        """Why the Teams route is off, or "" when it is on (for the startup log)."""
        app_id, password = self._credentials()
        if app_id and password:
            return ""
        if self.insecure_local_dev:
            return ""
        if not app_id and not password:
            return "Teams off: TEAMS_APP_ID and TEAMS_APP_PASSWORD are not set"
        missing = "TEAMS_APP_PASSWORD" if app_id else "TEAMS_APP_ID"
        return f"Teams off: {missing} is not set"

    def to_config(self) -> TeamsConfig | None:
        """The adapter's configuration, or None when Teams is off (see `why_off`).

        With TEAMS_INSECURE_LOCAL_DEV=true and no credentials, authentication is off: the
        composition root must then call `adapters.teams.check_bind_host` with its bind host.
        """
        if self.why_off():
            return None
        app_id, password = self._credentials()
        return TeamsConfig(
            app_id=app_id,
            app_password=password,
            tenant_id=self.tenant_id.strip(),
            insecure_local_dev=self.insecure_local_dev and not (app_id and password),
            allowed_service_hosts=self.allowed_service_hosts,
            openid_metadata_url=self.openid_metadata_url,
            token_url=self.token_url or "",
            http_timeout_seconds=self.http_timeout_seconds,
        )
