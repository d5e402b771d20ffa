"""Teams tables: conversation references for proactive posts, known members, sent activities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import ID_LENGTH, Base

URL_LENGTH = 1024
CONVERSATION_ID_LENGTH = 1024
"""Teams conversation ids of 1:1 chats ("a:1…") run to a few hundred characters."""


class TeamsConversationRow(Base):
    """Where the bot can post: one row per Teams conversation (channel, group chat or 1:1).

    `reference` is the SDK's ConversationReference as JSON, captured from an authenticated
    activity. `user_aad_object_id` is set for 1:1 chats (the person the chat is with).
    `blocked_at` is set when Teams answers 403 MessageWritesBlocked (the user blocked the bot).
    """

    __tablename__ = "teams_conversation"
    __table_args__ = (
        UniqueConstraint("tenant_external_id", "conversation_id"),
        Index(None, "tenant_external_id", "user_aad_object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_external_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    conversation_id: Mapped[str] = mapped_column(String(CONVERSATION_ID_LENGTH))
    conversation_type: Mapped[str] = mapped_column(String(32))
    user_aad_object_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), nullable=True)
    service_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    reference: Mapped[str] = mapped_column(Text)
    blocked: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    blocked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TeamsMemberRow(Base):
    """A person seen in a tenant: their Teams user id ("29:…"), to open a 1:1 chat with them."""

    __tablename__ = "teams_member"
    __table_args__ = (UniqueConstraint("tenant_external_id", "aad_object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_external_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    aad_object_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    teams_user_id: Mapped[str] = mapped_column(String(CONVERSATION_ID_LENGTH))
    display_name: Mapped[str] = mapped_column(Text)
    service_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    updated_at: Mapped[datetime]


class TeamsSentActivityRow(Base):
    """An activity posted proactively, by delivery key, so a retried delivery is not sent twice."""

    __tablename__ = "teams_sent_activity"
    __table_args__ = (UniqueConstraint("tenant_external_id", "delivery_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_external_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    delivery_key: Mapped[str] = mapped_column(String(ID_LENGTH))
    conversation_id: Mapped[str] = mapped_column(String(CONVERSATION_ID_LENGTH))
    activity_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    sent_at: Mapped[datetime]
