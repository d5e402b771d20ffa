"""Foundation: tenants, members, cap versions and acks, quick wins, measurements, retex, requests.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-03-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import ExactDecimal, UtcDateTime

revision: str = "0001_foundation"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("last_quick_win_number", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_cap_version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenant"),
        sa.UniqueConstraint("platform", "external_id", name="uq_tenant_platform_external_id"),
    )

    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_member_tenant_id_tenant"),
        sa.UniqueConstraint("tenant_id", "external_id", name="uq_member_tenant_id_external_id"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_member_tenant_id_id"),
        sa.CheckConstraint(
            "role IN ('director', 'manager', 'member')", name="ck_member_role"
        ),
    )
    op.create_index("ix_member_tenant_id_name_key", "member", ["tenant_id", "name_key"])

    op.create_table(
        "cap_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cap_version"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_cap_version_tenant_id_tenant"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "author_id"],
            ["member.tenant_id", "member.id"],
            name="fk_cap_version_tenant_id_author_id_member",
        ),
        sa.UniqueConstraint("tenant_id", "version", name="uq_cap_version_tenant_id_version"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_cap_version_tenant_id_id"),
    )

    op.create_table(
        "cap_ack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cap_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("acked_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cap_ack"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_cap_ack_tenant_id_tenant"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "cap_id"],
            ["cap_version.tenant_id", "cap_version.id"],
            name="fk_cap_ack_tenant_id_cap_id_cap_version",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "member_id"],
            ["member.tenant_id", "member.id"],
            name="fk_cap_ack_tenant_id_member_id_member",
        ),
        sa.UniqueConstraint("cap_id", "member_id", name="uq_cap_ack_cap_id_member_id"),
    )

    op.create_table(
        "quick_win",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kpi", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("baseline", ExactDecimal(), nullable=False),
        sa.Column("target", ExactDecimal(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("celebrated_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_quick_win"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_quick_win_tenant_id_tenant"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["member.tenant_id", "member.id"],
            name="fk_quick_win_tenant_id_owner_id_member",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by"],
            ["member.tenant_id", "member.id"],
            name="fk_quick_win_tenant_id_created_by_member",
        ),
        sa.UniqueConstraint("tenant_id", "number", name="uq_quick_win_tenant_id_number"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_quick_win_tenant_id_id"),
        sa.CheckConstraint(
            "state IN ('active', 'done', 'abandoned')", name="ck_quick_win_state"
        ),
    )

    op.create_table(
        "measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("quick_win_id", sa.Integer(), nullable=False),
        sa.Column("value", ExactDecimal(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("measured_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_measurement"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_measurement_tenant_id_tenant"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quick_win_id"],
            ["quick_win.tenant_id", "quick_win.id"],
            name="fk_measurement_tenant_id_quick_win_id_quick_win",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "author_id"],
            ["member.tenant_id", "member.id"],
            name="fk_measurement_tenant_id_author_id_member",
        ),
    )
    op.create_index(
        "ix_measurement_quick_win_id_measured_at", "measurement", ["quick_win_id", "measured_at"]
    )

    op.create_table(
        "retex",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("quick_win_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retex"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_retex_tenant_id_tenant"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quick_win_id"],
            ["quick_win.tenant_id", "quick_win.id"],
            name="fk_retex_tenant_id_quick_win_id_quick_win",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "author_id"],
            ["member.tenant_id", "member.id"],
            name="fk_retex_tenant_id_author_id_member",
        ),
    )
    op.create_index("ix_retex_tenant_id_created_at", "retex", ["tenant_id", "created_at"])

    op.create_table(
        "processed_request",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "key", name="pk_processed_request"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_processed_request_tenant_id_tenant"
        ),
    )
    op.create_index(
        "ix_processed_request_created_at", "processed_request", ["created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_processed_request_created_at", table_name="processed_request")
    op.drop_table("processed_request")
    op.drop_index("ix_retex_tenant_id_created_at", table_name="retex")
    op.drop_table("retex")
    op.drop_index("ix_measurement_quick_win_id_measured_at", table_name="measurement")
    op.drop_table("measurement")
    op.drop_table("quick_win")
    op.drop_table("cap_ack")
    op.drop_table("cap_version")
    op.drop_index("ix_member_tenant_id_name_key", table_name="member")
    op.drop_table("member")
    op.drop_table("tenant")
