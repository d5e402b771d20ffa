"""Planning a group of rituals: what their composers read, read once for the whole group."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.model import CapAck, CapVersion, Member, Role, Tenant
from rituals.transactions import ReportingRepository
from storage.ritual_repository import OccurrenceRecord, RitualRepository


class GroupCore(ReportingRepository):
    """The core repository of one planning transaction. After `read_ahead(tenants)`, those
    tenants, their current cap, members and the current cap's acknowledgements come from three
    statements for the whole group instead of four or five per ritual.

    Valid while the transaction changes none of those records, as planning does (it writes
    only the ritual tables); any other tenant is read as usual."""

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__(connection)
        self._tenants: dict[int, Tenant] = {}
        self._caps: dict[int, CapVersion] = {}
        self._members: dict[int, list[Member]] = {}
        self._acks: dict[int, list[CapAck]] = {}

    async def read_ahead(self, tenants: Mapping[int, Tenant]) -> None:
        """Read what the composers need of these tenants (already read by the caller)."""
        self._tenants.update(tenants)
        wanted = set(tenants) - self._members.keys()
        if not wanted:
            return
        caps = await self.current_caps(wanted)
        self._caps.update(caps)
        self._acks.update(await self.acks_of_caps([cap.id for cap in caps.values()]))
        self._members.update(await self.members_of(wanted))

    async def get_tenant(self, tenant_id: int) -> Tenant | None:
        tenant = self._tenants.get(tenant_id)
        return tenant if tenant is not None else await super().get_tenant(tenant_id)

    async def current_cap(self, tenant_id: int) -> CapVersion | None:
        if tenant_id in self._members:
            return self._caps.get(tenant_id)
        return await super().current_cap(tenant_id)

    async def list_members(self, tenant_id: int, role: Role | None = None) -> list[Member]:
        members = self._members.get(tenant_id)
        if members is None:
            return await super().list_members(tenant_id, role)
        return [member for member in members if role is None or member.role is role]

    async def get_member_by_id(self, tenant_id: int, member_id: int) -> Member | None:
        members = self._members.get(tenant_id)
        if members is None:
            return await super().get_member_by_id(tenant_id, member_id)
        return next((member for member in members if member.id == member_id), None)

    async def cap_acks(self, tenant_id: int, cap_id: int) -> list[CapAck]:
        cap = self._caps.get(tenant_id)
        if cap is not None and cap.id == cap_id:
            return list(self._acks.get(cap_id, ()))
        return await super().cap_acks(tenant_id, cap_id)


class GroupRituals(RitualRepository):
    """The ritual repository of one planning transaction: after `read_ahead`, the previous
    post of each ritual planned for a single occurrence comes from one statement.

    Only for an occurrence planned alone: a ritual with several due occurrences stores each
    before composing the next, which then reads it."""

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__(connection)
        self._last_posted: dict[tuple[int, datetime], OccurrenceRecord | None] = {}

    async def read_ahead(self, single_occurrences: Mapping[int, datetime]) -> None:
        """`single_occurrences`: ritual id → the time of its one due occurrence."""
        self._last_posted.update(await self.last_posted_each(list(single_occurrences.items())))

    async def last_posted(self, ritual_id: int, before: datetime) -> OccurrenceRecord | None:
        key = (ritual_id, before)
        if key in self._last_posted:
            return self._last_posted.pop(key)
        return await super().last_posted(ritual_id, before)
