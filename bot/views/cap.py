"""Messages about the cap: the cap itself with its "Lu ✅" button, its readers and its history."""

from __future__ import annotations

from bot import actions, formatting
from bot.i18n import translate
from bot.messages import (
    Block,
    Button,
    Buttons,
    ButtonStyle,
    Context,
    Heading,
    Message,
    Paragraph,
    Visibility,
)
from bot.model import CapVersion, Tenant
from bot.parsing import count_words


def cap_message(
    tenant: Tenant,
    cap: CapVersion,
    author_name: str,
    *,
    new: bool = False,
    notes: tuple[str, ...] = (),
    with_button: bool = True,
    visibility: Visibility = Visibility.PERSONAL,
    kind: str = "cap",
) -> Message:
    """The cap as everyone sees it, with a "Lu ✅" button carrying the version id."""
    locale = tenant.locale
    title = translate(locale, "cap.new_title" if new else "cap.title", version=cap.version)
    meta = translate(
        locale,
        "cap.meta",
        author=author_name,
        date=formatting.day(formatting.local_date(cap.created_at, tenant.timezone), locale),
        words=count_words(cap.text),
    )
    blocks: list[Block] = [Heading(title), Paragraph(cap.text), Context(meta)]
    blocks.extend(Context(note) for note in notes)
    if with_button:
        label = translate(locale, "cap.ack_button")
        blocks.append(Buttons((Button(label, actions.ACK_CAP, str(cap.id), ButtonStyle.PRIMARY),)))
    text = "\n".join([title, cap.text, meta, *notes])
    return Message(text=text, blocks=tuple(blocks), visibility=visibility, kind=kind)


def readers_notes(tenant: Tenant, acked: list[str], not_acked: list[str]) -> tuple[str, ...]:
    """ "Lu par 2/3 managers", then who has read and who has not."""
    locale = tenant.locale
    total = len(acked) + len(not_acked)
    notes = [translate(locale, "cap.ack_stats", acked=len(acked), total=total)]
    if acked:
        notes.append(translate(locale, "cap.readers", names=", ".join(acked)))
    if not_acked:
        notes.append(translate(locale, "cap.not_readers", names=", ".join(not_acked)))
    return tuple(notes)


def history_message(tenant: Tenant, caps: list[CapVersion], names: dict[int, str]) -> Message:
    locale = tenant.locale
    title = translate(locale, "cap.history_title")
    lines = [
        translate(
            locale,
            "cap.history_line",
            version=cap.version,
            date=formatting.day(formatting.local_date(cap.created_at, tenant.timezone), locale),
            author=names.get(cap.author_id, "?"),
            text=formatting.clip(cap.text, 300),
        )
        for cap in caps
    ]
    blocks: tuple[Block, ...] = (Heading(title), *(Paragraph(line) for line in lines))
    return Message(text="\n".join([title, *lines]), blocks=blocks, kind="cap.history")
