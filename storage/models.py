"""SQLAlchemy 2 models of the core records; every row belongs to one tenant."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.model import Locale, Tenant
from storage.types import ExactDecimal, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so migrations can name (and later drop) every constraint."""

ID_LENGTH = 255
"""Longest platform identifier (Slack/Teams ids, request keys) a column accepts."""

ROLES = ("director", "manager", "member")
QUICK_WIN_STATES = ("active", "done", "abandoned")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base of every Boussole table (other layers' models subclass it too)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        Decimal: ExactDecimal(),
    }


class TenantRow(Base):
    """A workspace; also holds the per-tenant counters that number quick wins and cap versions."""

    __tablename__ = "tenant"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    name: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, server_default=true(), default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_quick_win_number: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    last_cap_version: Mapped[int] = mapped_column(Integer, server_default="0", default=0)


def tenant_of(row: TenantRow | Row[Any]) -> Tenant:
    """The core's record of a `tenant` row."""
    return Tenant(
        id=row.id,
        platform=row.platform,
        external_id=row.external_id,
        name=row.name,
        locale=Locale(row.locale),
        timezone=row.timezone,
        active=row.active,
    )


class MemberRow(Base):
    """A person of a tenant. `name_key` is the case-folded display name used to find people."""

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        UniqueConstraint("tenant_id", "id"),
        Index(None, "tenant_id", "name_key"),
        CheckConstraint(_in("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    external_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    display_name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))


class CapVersionRow(Base):
    __tablename__ = "cap_version"
    __table_args__ = (
        UniqueConstraint("tenant_id", "version"),
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "author_id"], ["member.tenant_id", "member.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class CapAckRow(Base):
    __tablename__ = "cap_ack"
    __table_args__ = (
        UniqueConstraint("cap_id", "member_id"),
        ForeignKeyConstraint(["tenant_id", "cap_id"], ["cap_version.tenant_id", "cap_version.id"]),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["member.tenant_id", "member.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    cap_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    acked_at: Mapped[datetime]


class QuickWinRow(Base):
    __tablename__ = "quick_win"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "owner_id"], ["member.tenant_id", "member.id"]),
        ForeignKeyConstraint(["tenant_id", "created_by"], ["member.tenant_id", "member.id"]),
        CheckConstraint(_in("state", QUICK_WIN_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    kpi: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text)
    baseline: Mapped[Decimal]
    target: Mapped[Decimal]
    due: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    closed_at: Mapped[datetime | None]
    celebrated_at: Mapped[datetime | None]


class MeasurementRow(Base):
    __tablename__ = "measurement"
    __table_args__ = (
        Index(None, "quick_win_id", "measured_at"),
        ForeignKeyConstraint(
            ["tenant_id", "quick_win_id"], ["quick_win.tenant_id", "quick_win.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "author_id"], ["member.tenant_id", "member.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    quick_win_id: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal]
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(Integer)
    measured_at: Mapped[datetime]


class RetexRow(Base):
    """A lesson learned. Anonymous retex keep no author at all."""

    __tablename__ = "retex"
    __table_args__ = (
        Index(None, "tenant_id", "created_at"),
        ForeignKeyConstraint(
            ["tenant_id", "quick_win_id"], ["quick_win.tenant_id", "quick_win.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "author_id"], ["member.tenant_id", "member.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(Integer)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    quick_win_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class ProcessedRequestRow(Base):
    """A platform delivery already applied (idempotency key), per tenant."""

    __tablename__ = "processed_request"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
