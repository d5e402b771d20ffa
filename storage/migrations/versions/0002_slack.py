"""Slack: installations, bots and OAuth states, in slack_sdk's SQLAlchemy store layout.

Revision ID: 0002_slack
Revises: 0001_foundation
Create Date: 2026-03-02

Frozen copy of slack_sdk's `build_installations_table`, `build_bots_table` and
`build_oauth_states_table` (slack_sdk 3.48); tests/slack/test_schema.py checks the migrated
tables still match what the installed slack_sdk reads and writes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_slack"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32), nullable=True),
        sa.Column("enterprise_name", sa.String(200), nullable=True),
        sa.Column("enterprise_url", sa.String(200), nullable=True),
        sa.Column("team_id", sa.String(32), nullable=True),
        sa.Column("team_name", sa.String(200), nullable=True),
        sa.Column("bot_token", sa.String(200), nullable=True),
        sa.Column("bot_id", sa.String(32), nullable=True),
        sa.Column("bot_user_id", sa.String(32), nullable=True),
        sa.Column("bot_scopes", sa.String(1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200), nullable=True),
        sa.Column("user_scopes", sa.String(1000), nullable=True),
        sa.Column("user_refresh_token", sa.String(200), nullable=True),
        sa.Column("user_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("incoming_webhook_url", sa.String(200), nullable=True),
        sa.Column("incoming_webhook_channel", sa.String(200), nullable=True),
        sa.Column("incoming_webhook_channel_id", sa.String(200), nullable=True),
        sa.Column("incoming_webhook_configuration_url", sa.String(200), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("token_type", sa.String(32), nullable=True),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_installations"),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )

    op.create_table(
        "slack_bots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32), nullable=True),
        sa.Column("enterprise_name", sa.String(200), nullable=True),
        sa.Column("team_id", sa.String(32), nullable=True),
        sa.Column("team_name", sa.String(200), nullable=True),
        sa.Column("bot_token", sa.String(200), nullable=True),
        sa.Column("bot_id", sa.String(32), nullable=True),
        sa.Column("bot_user_id", sa.String(32), nullable=True),
        sa.Column("bot_scopes", sa.String(1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_bots"),
    )
    op.create_index(
        "slack_bots_idx",
        "slack_bots",
        ["client_id", "enterprise_id", "team_id", "installed_at"],
    )

    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_oauth_states"),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_bots_idx", table_name="slack_bots")
    op.drop_table("slack_bots")
    op.drop_index("slack_installations_idx", table_name="slack_installations")
    op.drop_table("slack_installations")
