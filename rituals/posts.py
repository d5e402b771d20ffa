"""What each ritual posts, to whom: composed once when its occurrence is claimed."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import actions, formatting
from bot.delivery import Target, TargetKind
from bot.figures import figures
from bot.i18n import translate
from bot.messages import (
    Block,
    Button,
    Buttons,
    ButtonStyle,
    Context,
    Divider,
    Heading,
    Message,
    Paragraph,
    Visibility,
)
from bot.model import Member, Role, Tenant
from bot.ports import Repository
from bot.summaries import RECENT_MEASUREMENTS, cap_readers, kpi_summary, member_names, retex_line
from bot.views.cap import cap_message
from bot.views.quickwins import progress_block, summary_line
from rituals import wording
from rituals.definitions import Ritual
from rituals.kinds import RitualKind
from rituals.kinds import TargetKind as RitualTargetKind

RETEX_DIGEST_LINES = 5


@dataclass(frozen=True, slots=True)
class Post:
    target: Target
    message: Message


@dataclass(frozen=True, slots=True)
class Moment:
    """The occurrence being composed: when it was due, when it is composed, the previous post."""

    scheduled_at: datetime
    now: datetime
    timezone: str
    late: bool = False
    previous_post: datetime | None = None


@dataclass(frozen=True, slots=True)
class Audience:
    """Who receives a ritual: one channel, or members each by direct message."""

    channel: str | None
    members: tuple[Member, ...] = ()
    note: str = ""

    def posts(self, message_for: Callable[[Member | None], Message | None]) -> list[Post]:
        if self.channel is not None:
            message = message_for(None)
            return (
                [] if message is None else [Post(Target(TargetKind.CHANNEL, self.channel), message)]
            )
        posts: list[Post] = []
        for member in self.members:
            message = message_for(member)
            if message is not None:
                posts.append(Post(Target(TargetKind.MEMBER, member.external_id), message))
        return posts


Composer = Callable[[Repository, Tenant, Ritual, Moment], Awaitable[list[Post]]]


async def compose(core: Repository, tenant: Tenant, ritual: Ritual, moment: Moment) -> list[Post]:
    """The messages of one occurrence, marked late when it is posted after its time."""
    posts = await COMPOSERS[ritual.kind](core, tenant, ritual, moment)
    if moment.late:
        note = translate(
            tenant.locale,
            "ritual.late",
            when=wording.local_date(moment.scheduled_at, moment.timezone, tenant.locale),
        )
        posts = [Post(post.target, with_note(post.message, note)) for post in posts]
    return posts


async def audience(core: Repository, tenant: Tenant, ritual: Ritual) -> Audience:
    """The ritual's target; a channel not chosen yet falls back to the directors, with a hint."""
    target = ritual.target
    if target.kind is RitualTargetKind.ROLE:
        return Audience(None, tuple(await core.list_members(tenant.id, Role(target.value))))
    if target.value:
        return Audience(target.value)
    directors = tuple(await core.list_members(tenant.id, Role.DIRECTOR))
    return Audience(None, directors, translate(tenant.locale, "ritual.no_channel_note"))


def with_note(message: Message, note: str) -> Message:
    if not note:
        return message
    return dataclasses.replace(
        message, text=f"{message.text}\n{note}", blocks=(*message.blocks, Context(note))
    )


def visibility(member: Member | None) -> Visibility:
    return Visibility.CHANNEL if member is None else Visibility.PERSONAL


# ---------------------------------------------------------------------- cap


async def cap_reminder(
    core: Repository, tenant: Tenant, ritual: Ritual, moment: Moment
) -> list[Post]:
    """The cap with its "Lu ✅" button, to each manager (or the channel)."""
    cap = await core.current_cap(tenant.id)
    if cap is None:
        return await _no_cap(core, tenant, ritual)
    people = await audience(core, tenant, ritual)
    author = await core.get_member_by_id(tenant.id, cap.author_id)
    author_name = author.display_name if author else "?"
    acked = {ack.member_id: ack.acked_at for ack in await core.cap_acks(tenant.id, cap.id)}
    reminder = translate(tenant.locale, "ritual.cap.reminder")

    composed: dict[tuple[tuple[str, ...], Visibility], Message] = {}

    def message_for(member: Member | None) -> Message:
        notes = [reminder]
        if member is not None and member.id in acked:
            day = formatting.local_date(acked[member.id], tenant.timezone)
            notes.append(
                translate(
                    tenant.locale, "ritual.cap.read_on", date=formatting.day(day, tenant.locale)
                )
            )
        key = (tuple(notes), visibility(member))
        message = composed.get(key)
        if message is None:  # composed once for everyone who gets the same one
            message = composed[key] = with_note(
                cap_message(
                    tenant,
                    cap,
                    author_name,
                    notes=key[0],
                    visibility=key[1],
                    kind="ritual.cap_reminder",
                ),
                people.note,
            )
        return message

    return people.posts(message_for)


async def cap_nudge(core: Repository, tenant: Tenant, ritual: Ritual, moment: Moment) -> list[Post]:
    """The cap again, only to those who have not acknowledged the current version."""
    cap = await core.current_cap(tenant.id)
    if cap is None:
        return []
    people = await audience(core, tenant, ritual)
    acked_ids = {ack.member_id for ack in await core.cap_acks(tenant.id, cap.id)}
    author = await core.get_member_by_id(tenant.id, cap.author_id)
    author_name = author.display_name if author else "?"
    nudge = translate(tenant.locale, "ritual.cap.nudge", version=cap.version)
    if people.channel is not None:
        _, pending = await cap_readers(core, tenant.id, cap)
        if not pending:
            return []
        names = translate(
            tenant.locale, "cap.not_readers", names=", ".join(m.display_name for m in pending)
        )
        notes: tuple[str, ...] = (nudge, names)
        return people.posts(
            lambda _: cap_message(
                tenant,
                cap,
                author_name,
                notes=notes,
                visibility=Visibility.CHANNEL,
                kind="ritual.cap_nudge",
            )
        )

    def message_for(member: Member | None) -> Message | None:
        if member is None or member.id in acked_ids:
            return None
        message = cap_message(tenant, cap, author_name, notes=(nudge,), kind="ritual.cap_nudge")
        return with_note(message, people.note)

    return people.posts(message_for)


async def _no_cap(core: Repository, tenant: Tenant, ritual: Ritual) -> list[Post]:
    text = translate(
        tenant.locale, "ritual.cap.none", name=wording.kind_name(tenant.locale, ritual.kind)
    )
    directors = await core.list_members(tenant.id, Role.DIRECTOR)
    message = Message(text, (Paragraph(text),), kind=f"ritual.{ritual.kind.value}")
    return [Post(Target(TargetKind.MEMBER, d.external_id), message) for d in directors]


# ---------------------------------------------------------------------- quick wins


async def quickwin_progress(
    core: Repository, tenant: Tenant, ritual: Ritual, moment: Moment
) -> list[Post]:
    """Each active quick win (baseline → latest → target, progress, status, trend) to the team,
    and a nudge to each owner whose quick wins got no result since the previous post."""
    locale = tenant.locale
    today = formatting.local_date(moment.now, tenant.timezone)
    snapshots = await core.active_snapshots(tenant.id, RECENT_MEASUREMENTS)
    title = translate(locale, "ritual.qw.title", date=formatting.day(today, locale))
    blocks: list[Block] = [Heading(title)]
    lines = [title]
    if not snapshots:
        none = translate(locale, "qw.none")
        blocks.append(Paragraph(none))
        lines.append(none)
    for snapshot in snapshots:
        figs = figures(snapshot, today, tenant.timezone)
        line = summary_line(tenant, snapshot.quick_win, figs)
        blocks += [progress_block(tenant, snapshot.quick_win, figs), Context(line)]
        lines.append("• " + line)
    footer = translate(locale, "ritual.qw.footer")
    blocks += [
        Divider(),
        Context(footer),
        Buttons((Button(translate(locale, "qw.log_button"), actions.LOG_RESULT, ""),)),
    ]
    lines.append(footer)
    people = await audience(core, tenant, ritual)

    def message_for(member: Member | None) -> Message:
        message = Message(
            "\n".join(lines), tuple(blocks), visibility(member), kind="ritual.quickwin_progress"
        )
        return with_note(message, people.note)

    posts = people.posts(message_for)

    since = moment.previous_post or moment.scheduled_at - timedelta(days=7)
    silent: dict[int, list[str]] = {}
    first_silent: dict[int, int] = {}
    for snapshot in snapshots:
        qw = snapshot.quick_win
        latest = snapshot.latest
        if qw.created_at >= since or (latest is not None and latest.measured_at >= since):
            continue
        silent.setdefault(qw.owner_id, []).append(f"QW-{qw.number} {formatting.clip(qw.title, 60)}")
        first_silent.setdefault(qw.owner_id, qw.number)
    since_text = formatting.day(formatting.local_date(since, tenant.timezone), locale)
    for owner_id, items in silent.items():
        owner = await core.get_member_by_id(tenant.id, owner_id)
        if owner is None:
            continue
        text = translate(
            locale,
            "ritual.qw.nudge",
            name=owner.display_name,
            since=since_text,
            items=", ".join(items),
        )
        button = Button(
            translate(locale, "qw.log_button"),
            actions.LOG_RESULT,
            str(first_silent[owner_id]),
            ButtonStyle.PRIMARY,
        )
        nudge = Message(text, (Paragraph(text), Buttons((button,))), kind="ritual.quickwin_nudge")
        posts.append(Post(Target(TargetKind.MEMBER, owner.external_id), nudge))
    return posts


# ---------------------------------------------------------------------- retex


async def retex_digest(
    core: Repository, tenant: Tenant, ritual: Ritual, moment: Moment
) -> list[Post]:
    """Last month's lessons learned, and a call for this month's."""
    locale = tenant.locale
    zone = ZoneInfo(tenant.timezone)
    local = moment.scheduled_at.astimezone(zone).date()
    this_month = date(local.year, local.month, 1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    start = datetime.combine(last_month, time(), zone)
    end = datetime.combine(this_month, time(), zone)
    month = wording.month_name(locale, last_month.month)
    items = [
        r for r in await core.list_retex(tenant.id, since=start, limit=500) if r.created_at < end
    ]
    title = translate(
        locale,
        "ritual.retex.title",
        month=month,
        of_month=wording.of_month(locale, last_month.month),
    )
    blocks: list[Block] = [Heading(title)]
    lines = [title]
    if items:
        count = translate(locale, "ritual.retex.count", count=len(items), month=month)
        names = await member_names(core, tenant.id)
        highlights = [retex_line(tenant, r, names) for r in items[:RETEX_DIGEST_LINES]]
        blocks += [Paragraph(count), *(Context(line) for line in highlights)]
        lines += [count, *("• " + line for line in highlights)]
    else:
        none = translate(locale, "ritual.retex.none", month=month)
        blocks.append(Paragraph(none))
        lines.append(none)
    prompt = translate(locale, "ritual.retex.prompt")
    blocks += [
        Divider(),
        Paragraph(prompt),
        Buttons(
            (
                Button(
                    translate(locale, "retex.button"), actions.SHARE_RETEX, "", ButtonStyle.PRIMARY
                ),
            )
        ),
    ]
    lines.append(prompt)
    people = await audience(core, tenant, ritual)

    def message_for(member: Member | None) -> Message:
        message = Message("\n".join(lines), tuple(blocks), visibility(member), kind="ritual.retex")
        return with_note(message, people.note)

    return people.posts(message_for)


# ---------------------------------------------------------------------- KPI


async def kpi_review(
    core: Repository, tenant: Tenant, ritual: Ritual, moment: Moment
) -> list[Post]:
    """The director's KPI summary (with the rituals missed over the last 30 days)."""
    summary = await kpi_summary(core, tenant, moment.now)
    note = translate(tenant.locale, "ritual.kpi.note")
    people = await audience(core, tenant, ritual)

    def message_for(member: Member | None) -> Message:
        message = dataclasses.replace(
            summary,
            text=f"{summary.text}\n{note}",
            blocks=(*summary.blocks, Context(note)),
            visibility=visibility(member),
            kind="ritual.kpi_review",
        )
        return with_note(message, people.note)

    return people.posts(message_for)


COMPOSERS: dict[RitualKind, Composer] = {
    RitualKind.CAP_REMINDER: cap_reminder,
    RitualKind.CAP_NUDGE: cap_nudge,
    RitualKind.QUICKWIN_PROGRESS: quickwin_progress,
    RitualKind.RETEX: retex_digest,
    RitualKind.KPI_REVIEW: kpi_review,
}
