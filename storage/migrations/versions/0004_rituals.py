"""Rituals: ritual definitions, claimed occurrences, the outbox and the clock lease.

Revision ID: 0004_rituals
Revises: 0001_foundation
Create Date: 2026-03-02

A branch of its own (label "rituals") on top of the foundation: it only needs the tenant
table, and `Database.upgrade()` applies every head.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0004_rituals"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("rituals",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ritual_tenant",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_ritual_tenant"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_ritual_tenant_tenant_id_tenant"
        ),
    )

    op.create_table(
        "ritual",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("schedule", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("skip_holidays", sa.Boolean(), nullable=False),
        sa.Column("holiday_country", sa.String(16), nullable=True),
        sa.Column("skip_local", sa.DateTime(timezone=False), nullable=True),
        sa.Column("checked_until", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ritual"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_ritual_tenant_id_tenant"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_ritual_tenant_id_number"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_ritual_tenant_id_id"),
        sa.CheckConstraint("target_kind IN ('channel', 'role')", name="ck_ritual_target_kind"),
    )

    op.create_table(
        "ritual_occurrence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("ritual_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("scheduled_local", sa.DateTime(timezone=False), nullable=False),
        sa.Column("scheduled_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ritual_occurrence"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_ritual_occurrence_tenant_id_tenant"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ritual_id"],
            ["ritual.tenant_id", "ritual.id"],
            name="fk_ritual_occurrence_tenant_id_ritual_id_ritual",
        ),
        sa.UniqueConstraint(
            "ritual_id", "scheduled_local", name="uq_ritual_occurrence_ritual_id_scheduled_local"
        ),
        sa.UniqueConstraint("tenant_id", "id", name="uq_ritual_occurrence_tenant_id_id"),
        sa.CheckConstraint(
            "status IN ('queued', 'missed', 'skipped', 'cancelled')",
            name="ck_ritual_occurrence_status",
        ),
    )
    op.create_index(
        "ix_ritual_occurrence_tenant_id_status_scheduled_at",
        "ritual_occurrence",
        ["tenant_id", "status", "scheduled_at"],
    )

    op.create_table(
        "ritual_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("delivery_key", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", UtcDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(255), nullable=True),
        sa.Column("lease_expires_at", UtcDateTime(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("platform_message_id", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ritual_outbox"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_ritual_outbox_tenant_id_tenant"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "occurrence_id"],
            ["ritual_occurrence.tenant_id", "ritual_occurrence.id"],
            name="fk_ritual_outbox_tenant_id_occurrence_id_ritual_occurrence",
        ),
        sa.UniqueConstraint("delivery_key", name="uq_ritual_outbox_delivery_key"),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled')",
            name="ck_ritual_outbox_status",
        ),
    )
    op.create_index(
        "ix_ritual_outbox_status_available_at", "ritual_outbox", ["status", "available_at"]
    )
    op.create_index("ix_ritual_outbox_occurrence_id", "ritual_outbox", ["occurrence_id"])

    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("acquired_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_scheduler_lease"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_lease")
    op.drop_index("ix_ritual_outbox_occurrence_id", table_name="ritual_outbox")
    op.drop_index("ix_ritual_outbox_status_available_at", table_name="ritual_outbox")
    op.drop_table("ritual_outbox")
    op.drop_index(
        "ix_ritual_occurrence_tenant_id_status_scheduled_at", table_name="ritual_occurrence"
    )
    op.drop_table("ritual_occurrence")
    op.drop_table("ritual")
    op.drop_table("ritual_tenant")
