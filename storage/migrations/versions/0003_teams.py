"""Teams: conversation references, known members and proactively sent activities.

Revision ID: 0003_teams
Revises: 0001_foundation
Create Date: 2026-03-02

A branch of its own beside 0002_slack; the application upgrades to "heads".
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0003_teams"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_external_id", sa.String(255), nullable=False),
        sa.Column("conversation_id", sa.String(1024), nullable=False),
        sa.Column("conversation_type", sa.String(32), nullable=False),
        sa.Column("user_aad_object_id", sa.String(255), nullable=True),
        sa.Column("service_url", sa.String(1024), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("blocked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("blocked_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams_conversation"),
        sa.UniqueConstraint(
            "tenant_external_id",
            "conversation_id",
            name="uq_teams_conversation_tenant_external_id_conversation_id",
        ),
    )
    op.create_index(
        "ix_teams_conversation_tenant_external_id_user_aad_object_id",
        "teams_conversation",
        ["tenant_external_id", "user_aad_object_id"],
    )
    op.create_table(
        "teams_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_external_id", sa.String(255), nullable=False),
        sa.Column("aad_object_id", sa.String(255), nullable=False),
        sa.Column("teams_user_id", sa.String(1024), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("service_url", sa.String(1024), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams_member"),
        sa.UniqueConstraint(
            "tenant_external_id",
            "aad_object_id",
            name="uq_teams_member_tenant_external_id_aad_object_id",
        ),
    )
    op.create_table(
        "teams_sent_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_external_id", sa.String(255), nullable=False),
        sa.Column("delivery_key", sa.String(255), nullable=False),
        sa.Column("conversation_id", sa.String(1024), nullable=False),
        sa.Column("activity_id", sa.String(255), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams_sent_activity"),
        sa.UniqueConstraint(
            "tenant_external_id",
            "delivery_key",
            name="uq_teams_sent_activity_tenant_external_id_delivery_key",
        ),
    )


def downgrade() -> None:
    op.drop_table("teams_sent_activity")
    op.drop_table("teams_member")
    op.drop_index(
        "ix_teams_conversation_tenant_external_id_user_aad_object_id",
        table_name="teams_conversation",
    )
    op.drop_table("teams_conversation")
