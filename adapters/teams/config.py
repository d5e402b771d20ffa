"""Teams adapter configuration: credentials, trusted hosts, and the local-development switch."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

BOT_FRAMEWORK_OPENID_METADATA_URL = (
    "https://login.botframework.com/v1/.well-known/openidconfiguration"
)
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
DEFAULT_SERVICE_HOSTS: tuple[str, ...] = ("smba.trafficmanager.net", "*.botframework.com")
TEAMS_CHANNEL_ID = "msteams"


class TeamsConfigError(ValueError):
    """The Teams configuration is unsafe or incomplete; the Teams route must not be served."""


@dataclass(frozen=True, slots=True)
class TeamsConfig:
    """Everything the Teams adapter needs, parsed once by the composition root.

    `app_id` / `app_password` are the Azure Bot registration's client id and secret.
    `tenant_id` is the Entra tenant of a single-tenant registration (used to get tokens).
    `insecure_local_dev` turns authentication off, for a bot listening on 127.0.0.1 only.
    `allowed_service_hosts`: hosts the bot may post to ("*.example.com" matches subdomains).
    `openid_metadata_url`, `token_url`: overrides of Microsoft's identity endpoints (tests,
    sovereign clouds); with `token_url` set, tokens come from a plain OAuth2 client-credentials
    request instead of MSAL.
    """

    app_id: str
    app_password: str = field(repr=False)
    tenant_id: str = ""
    insecure_local_dev: bool = False
    allowed_service_hosts: tuple[str, ...] = DEFAULT_SERVICE_HOSTS
    openid_metadata_url: str = BOT_FRAMEWORK_OPENID_METADATA_URL
    valid_issuers: tuple[str, ...] = (BOT_FRAMEWORK_ISSUER,)
    token_url: str = ""
    http_timeout_seconds: float = 10.0
    keys_max_age_seconds: float = 24 * 3600.0
    keys_refetch_min_interval_seconds: float = 300.0
    clock_skew_seconds: float = 300.0
    send_attempts: int = 4
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 30.0
    max_body_bytes: int = 256 * 1024
    app_name: str = "Boussole"
    developer_name: str = "Boussole"
    website_url: str = "https://example.com/boussole"
    privacy_url: str = "https://example.com/boussole/privacy"
    terms_url: str = "https://example.com/boussole/terms"
    app_version: str = "1.0.0"

    def __post_init__(self) -> None:
        if not self.insecure_local_dev and not (self.app_id.strip() and self.app_password):
            raise TeamsConfigError(
                "Teams needs TEAMS_APP_ID and TEAMS_APP_PASSWORD; authentication cannot be "
                "turned off except with TEAMS_INSECURE_LOCAL_DEV=true on 127.0.0.1"
            )
        if not self.allowed_service_hosts:
            raise TeamsConfigError("allowed_service_hosts must name at least one host")
        if self.send_attempts < 1:
            raise TeamsConfigError("send_attempts must be at least 1")

    @property
    def authenticated(self) -> bool:
        """True unless the explicit local-development switch disabled authentication."""
        return not self.insecure_local_dev


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost"."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind_host(config: TeamsConfig, host: str) -> None:
    """Refuse to serve an unauthenticated Teams route anywhere but on the loopback interface.

    The composition root calls it with the host the server binds to, before `attach`.
    """
    if config.insecure_local_dev and not is_loopback_host(host):
        raise TeamsConfigError(
            f"TEAMS_INSECURE_LOCAL_DEV is only honoured when listening on 127.0.0.1, not {host!r}"
        )
