"""Switches a Slack workspace's tenant on or off (uninstall, revoked tokens, reinstall)."""

from __future__ import annotations

from sqlalchemy import Boolean, String, column, table, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.inbound import PLATFORM

# Only the columns this module touches; the table itself belongs to storage.models.
_tenant = table(
    "tenant",
    column("platform", String),
    column("external_id", String),
    column("active", Boolean),
)


async def set_tenant_active(engine: AsyncEngine, team_id: str, active: bool) -> bool:
    """Set `tenant.active` for this Slack workspace; False when it has no tenant yet. Other
    workspaces are untouched. An inactive tenant gets no ritual and no answer but an error."""
    statement = (
        update(_tenant)
        .where(_tenant.c.platform == PLATFORM, _tenant.c.external_id == team_id)
        .values(active=active)
    )
    async with engine.begin() as connection:
        result = await connection.execute(statement)
    return bool(result.rowcount)
