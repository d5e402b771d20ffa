"""Stored Teams conversation references and members: where proactive posts can go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microsoft_agents.activity import ConversationReference
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.teams_models import TeamsConversationRow, TeamsMemberRow, TeamsSentActivityRow

PERSONAL = "personal"


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread "19:…@thread.tacv2;messageid=123" belongs to channel "19:…@thread.tacv2"."""
    return conversation_id.split(";messageid=", 1)[0]


@dataclass(frozen=True, slots=True)
class StoredConversation:
    tenant_external_id: str
    conversation_id: str
    conversation_type: str
    service_url: str
    reference: ConversationReference
    blocked: bool


@dataclass(frozen=True, slots=True)
class StoredMember:
    aad_object_id: str
    teams_user_id: str
    display_name: str
    service_url: str


class ConversationStore:
    """Tenant-scoped reads and writes of the Teams tables (SQLite and PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    async def remember(
        self,
        tenant_external_id: str,
        reference: ConversationReference,
        conversation_type: str,
        user_aad_object_id: str | None,
        at: datetime,
    ) -> None:
        """Store or refresh a conversation reference (a new message unblocks it: the user is back)."""
        conversation_id = base_conversation_id(reference.conversation.id)
        stored = reference.model_copy(deep=True)
        stored.conversation.id = conversation_id
        stored.activity_id = None
        payload = stored.model_dump_json(by_alias=True, exclude_none=True)
        values = {
            "tenant_external_id": tenant_external_id,
            "conversation_id": conversation_id,
            "conversation_type": conversation_type,
            "user_aad_object_id": user_aad_object_id,
            "service_url": reference.service_url or "",
            "reference": payload,
            "blocked": False,
            "blocked_at": None,
            "created_at": at,
            "updated_at": at,
        }
        statement = self._insert(TeamsConversationRow.__table__).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_external_id", "conversation_id"],
            set_={
                key: statement.excluded[key]
                for key in (
                    "conversation_type",
                    "service_url",
                    "reference",
                    "blocked",
                    "blocked_at",
                    "updated_at",
                )
            }
            | (
                {"user_aad_object_id": statement.excluded["user_aad_object_id"]}
                if user_aad_object_id
                else {}
            ),
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def remember_member(
        self,
        tenant_external_id: str,
        member: StoredMember,
        at: datetime,
    ) -> None:
        values = {
            "tenant_external_id": tenant_external_id,
            "aad_object_id": member.aad_object_id,
            "teams_user_id": member.teams_user_id,
            "display_name": member.display_name,
            "service_url": member.service_url,
            "updated_at": at,
        }
        statement = self._insert(TeamsMemberRow.__table__).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_external_id", "aad_object_id"],
            set_={
                key: statement.excluded[key]
                for key in ("teams_user_id", "display_name", "service_url", "updated_at")
            },
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    @staticmethod
    def _stored(row: Any) -> StoredConversation:
        return StoredConversation(
            tenant_external_id=row.tenant_external_id,
            conversation_id=row.conversation_id,
            conversation_type=row.conversation_type,
            service_url=row.service_url,
            reference=ConversationReference.model_validate_json(row.reference),
            blocked=bool(row.blocked),
        )

    async def conversation(
        self, tenant_external_id: str, conversation_id: str
    ) -> StoredConversation | None:
        table = TeamsConversationRow.__table__
        query = select(table).where(
            table.c.tenant_external_id == tenant_external_id,
            table.c.conversation_id == base_conversation_id(conversation_id),
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return self._stored(row) if row else None

    async def personal_conversation(
        self, tenant_external_id: str, aad_object_id: str
    ) -> StoredConversation | None:
        table = TeamsConversationRow.__table__
        query = (
            select(table)
            .where(
                table.c.tenant_external_id == tenant_external_id,
                table.c.user_aad_object_id == aad_object_id,
                table.c.conversation_type == PERSONAL,
            )
            .order_by(table.c.updated_at.desc())
            .limit(1)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return self._stored(row) if row else None

    async def any_conversation(self, tenant_external_id: str) -> StoredConversation | None:
        """Any reference of the tenant: its service URL and bot account can open a 1:1 chat."""
        table = TeamsConversationRow.__table__
        query = (
            select(table)
            .where(table.c.tenant_external_id == tenant_external_id)
            .order_by(table.c.updated_at.desc())
            .limit(1)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return self._stored(row) if row else None

    async def member(self, tenant_external_id: str, aad_object_id: str) -> StoredMember | None:
        table = TeamsMemberRow.__table__
        query = select(table).where(
            table.c.tenant_external_id == tenant_external_id,
            table.c.aad_object_id == aad_object_id,
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return StoredMember(row.aad_object_id, row.teams_user_id, row.display_name, row.service_url)

    async def aad_ids(self, tenant_external_id: str, teams_user_ids: list[str]) -> dict[str, str]:
        """Entra object ids of people known by their Teams user id ("29:…" → aad id)."""
        if not teams_user_ids:
            return {}
        table = TeamsMemberRow.__table__
        query = select(table.c.teams_user_id, table.c.aad_object_id).where(
            table.c.tenant_external_id == tenant_external_id,
            table.c.teams_user_id.in_(teams_user_ids),
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return {row.teams_user_id: row.aad_object_id for row in rows}

    async def mark_blocked(
        self, tenant_external_id: str, conversation_id: str, at: datetime
    ) -> None:
        row = TeamsConversationRow
        statement = (
            update(row)
            .where(
                row.tenant_external_id == tenant_external_id,
                row.conversation_id == base_conversation_id(conversation_id),
            )
            .values(blocked=True, blocked_at=at, updated_at=at)
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def record_sent(
        self,
        tenant_external_id: str,
        delivery_key: str,
        conversation_id: str,
        activity_id: str,
        at: datetime,
    ) -> None:
        statement = (
            self._insert(TeamsSentActivityRow.__table__)
            .values(
                tenant_external_id=tenant_external_id,
                delivery_key=delivery_key,
                conversation_id=conversation_id,
                activity_id=activity_id,
                sent_at=at,
            )
            .on_conflict_do_nothing(index_elements=["tenant_external_id", "delivery_key"])
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def sent_activity(self, tenant_external_id: str, delivery_key: str) -> str | None:
        table = TeamsSentActivityRow.__table__
        query = select(table.c.activity_id).where(
            table.c.tenant_external_id == tenant_external_id,
            table.c.delivery_key == delivery_key,
        )
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).scalar_one_or_none()
