"""Builds the Teams activities that carry rendered cards (one per card of a split message)."""

from __future__ import annotations

from microsoft_agents.activity import Activity, ActivityTypes, Attachment

from adapters.teams.render import CARD_CONTENT_TYPE, Json, render_message, summary_of
from bot.messages import Message


def card_activity(card: Json, summary: str = "") -> Activity:
    activity = Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
    )
    if summary:
        activity.summary = summary
    return activity


def message_activities(message: Message) -> list[Activity]:
    """The activities showing `message`: one per card, the first with a notification summary."""
    summary = summary_of(message)
    return [
        card_activity(card, summary if index == 0 else "")
        for index, card in enumerate(render_message(message))
    ]
