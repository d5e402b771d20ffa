"""SQLAlchemy models of the rituals layer: rituals, their claimed occurrences, outbox and lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import ID_LENGTH, Base

TARGET_KINDS = ("channel", "role")
OCCURRENCE_STATUSES = ("queued", "missed", "skipped", "cancelled")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "blocked", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RitualTenantRow(Base):
    """Per-tenant state of the rituals layer: when its defaults were created, its ritual counter."""

    __tablename__ = "ritual_tenant"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class RitualRow(Base):
    """A ritual: what to post (kind), when (schedule, time zone), to whom (target).

    `schedule` is the canonical text of `rituals.schedule.Schedule`. `checked_until` is the
    planner's watermark: every occurrence up to it has been claimed, skipped or recorded missed.
    `skip_local` is the local date-time of one occurrence to skip. Deleted rituals keep their
    row (`deleted_at`) so their history and missed occurrences stay reportable.
    """

    __tablename__ = "ritual"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint(_in("target_kind", TARGET_KINDS), name="target_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    schedule: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    target_kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(ID_LENGTH))
    enabled: Mapped[bool] = mapped_column(Boolean)
    skip_holidays: Mapped[bool] = mapped_column(Boolean)
    holiday_country: Mapped[str | None] = mapped_column(String(16))
    skip_local: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    checked_until: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class RitualOccurrenceRow(Base):
    """One occurrence of a ritual, claimed once: unique on (ritual, scheduled local date-time).

    `status`: queued (its messages are in the outbox), missed (found after the grace period),
    skipped (public holiday, `rituel sauter`, nothing to say) or cancelled (tenant gone).
    """

    __tablename__ = "ritual_occurrence"
    __table_args__ = (
        UniqueConstraint("ritual_id", "scheduled_local"),
        UniqueConstraint("tenant_id", "id"),
        Index(None, "tenant_id", "status", "scheduled_at"),
        ForeignKeyConstraint(["tenant_id", "ritual_id"], ["ritual.tenant_id", "ritual.id"]),
        CheckConstraint(_in("status", OCCURRENCE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    ritual_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    scheduled_local: Mapped[datetime] = mapped_column(DateTime(timezone=False), nullable=False)
    scheduled_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    late: Mapped[bool] = mapped_column(Boolean)
    manual: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    claimed_at: Mapped[datetime]


class RitualOutboxRow(Base):
    """One message to send. Senders lease rows (`lease_owner`, `lease_expires_at`); a row left
    'sending' by a crashed sender is taken over once its lease expires, after reconciliation."""

    __tablename__ = "ritual_outbox"
    __table_args__ = (
        UniqueConstraint("delivery_key"),
        Index(None, "status", "available_at"),
        Index(None, "occurrence_id"),
        ForeignKeyConstraint(
            ["tenant_id", "occurrence_id"], ["ritual_occurrence.tenant_id", "ritual_occurrence.id"]
        ),
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    occurrence_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(32))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    payload: Mapped[str] = mapped_column(Text)
    delivery_key: Mapped[str] = mapped_column(String(ID_LENGTH))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    available_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    lease_expires_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    platform_message_id: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class SchedulerLeaseRow(Base):
    """Which clock process may plan and send: renewed periodically, taken over once expired."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(ID_LENGTH))
    expires_at: Mapped[datetime]
    acquired_at: Mapped[datetime]
