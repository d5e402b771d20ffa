"""Stored Teams conversation references and members: where proactive posts can go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from microsoft_agents.activity import Activity, ConversationReference
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.teams.recent_writes import RecentWrites
from storage.teams_models import TeamsConversationRow, TeamsMemberRow, TeamsSentActivityRow
from storage.upserts import upsert_insert

PERSONAL = "personal"
REMEMBER_REFRESH = timedelta(seconds=60)
"""How long a turn that repeats what this process just stored skips the write. A conversation
blocked by another process (the `clock`) is unblocked at most this late by a new message."""
RECENT_CAPACITY = 10_000
"""Conversations whose last write a process remembers (least recently written dropped)."""


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread "19:…@thread.tacv2;messageid=123" belongs to channel "19:…@thread.tacv2"."""
    return conversation_id.split(";messageid=", 1)[0]


def _storable(reference: ConversationReference) -> ConversationReference:
    """The reference as stored: the channel itself (not a thread), nothing of one activity
    (its id, the SDK's per-request id). A new reference and conversation; the rest is shared
    with `reference`, unchanged (a deep copy was a twentieth of a turn's CPU)."""
    conversation = reference.conversation.model_copy(
        update={"id": base_conversation_id(reference.conversation.id)}
    )
    return reference.model_copy(
        update={"conversation": conversation, "activity_id": None, "request_id": None}
    )


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

    def __init__(self, engine: AsyncEngine, *, refresh_after: timedelta = REMEMBER_REFRESH) -> None:
        self._engine = engine
        self._recent = RecentWrites(refresh_after, RECENT_CAPACITY)

    def _insert(self, table: Any) -> Any:
        return upsert_insert(self._engine.dialect.name, table)

    async def remember(
        self,
        tenant_external_id: str,
        reference: ConversationReference,
        conversation_type: str,
        user_aad_object_id: str | None,
        at: datetime,
    ) -> None:
        """Store or refresh a conversation reference (a new message unblocks it: the user is back)."""
        statement = self._conversation_upsert(
            tenant_external_id, _storable(reference), conversation_type, user_aad_object_id, at
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)
        self._recent.pop((tenant_external_id, base_conversation_id(reference.conversation.id)))

    async def remember_turn(
        self,
        tenant_external_id: str,
        activity: Activity,
        conversation_type: str,
        user_aad_object_id: str | None,
        members: Sequence[StoredMember],
        at: datetime,
    ) -> bool:
        """Store what an authenticated activity says (its conversation and the people in it),
        in one transaction. Skipped (False) when this process stored exactly the same less
        than `refresh_after` ago and has not seen the conversation blocked since: that is
        decided on the activity's own parts, before any reference is built or serialised."""
        conversation = activity.conversation
        conversation_id = base_conversation_id(conversation.id)
        key = (tenant_external_id, conversation_id)
        fingerprint = (
            activity.from_property,
            activity.recipient,
            conversation.model_copy(update={"id": conversation_id}),
            activity.channel_id,
            activity.locale,
            activity.service_url,
            conversation_type,
            user_aad_object_id,
            tuple(members),
        )
        if self._recent.fresh(key, fingerprint, at):
            return False
        stored = _storable(activity.get_conversation_reference())
        statements = [
            self._conversation_upsert(
                tenant_external_id, stored, conversation_type, user_aad_object_id, at
            )
        ]
        statements += [self._member_upsert(tenant_external_id, m, at) for m in members]
        async with self._engine.begin() as connection:
            for statement in statements:
                await connection.execute(statement)
        self._recent.put(key, fingerprint, at)
        return True

    def _conversation_upsert(
        self,
        tenant_external_id: str,
        stored: ConversationReference,
        conversation_type: str,
        user_aad_object_id: str | None,
        at: datetime,
    ) -> Any:
        values = {
            "tenant_external_id": tenant_external_id,
            "conversation_id": stored.conversation.id,
            "conversation_type": conversation_type,
            "user_aad_object_id": user_aad_object_id,
            "service_url": stored.service_url or "",
            "reference": stored.model_dump_json(by_alias=True, exclude_none=True),
            "blocked": False,
            "blocked_at": None,
            "created_at": at,
            "updated_at": at,
        }
        statement = self._insert(TeamsConversationRow.__table__).values(**values)
        return statement.on_conflict_do_update(
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

    def _member_upsert(self, tenant_external_id: str, member: StoredMember, at: datetime) -> Any:
        values = {
            "tenant_external_id": tenant_external_id,
            "aad_object_id": member.aad_object_id,
            "teams_user_id": member.teams_user_id,
            "display_name": member.display_name,
            "service_url": member.service_url,
            "updated_at": at,
        }
        statement = self._insert(TeamsMemberRow.__table__).values(**values)
        return statement.on_conflict_do_update(
            index_elements=["tenant_external_id", "aad_object_id"],
            set_={
                key: statement.excluded[key]
                for key in ("teams_user_id", "display_name", "service_url", "updated_at")
            },
        )

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
        self._recent.pop((tenant_external_id, base_conversation_id(conversation_id)))

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
