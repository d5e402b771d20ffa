"""The `rituel` / `ritual` command: list, add, edit, pause, resume, now, skip, delete, channel."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands.base import Handler, dispatch
from bot.context import Context
from bot.errors import UserError
from bot.messages import Block, Heading, Message, Paragraph
from bot.messages import Context as ContextBlock
from bot.model import Tenant
from bot.parsing import split_first
from rituals import wording
from rituals.config import RitualConfig
from rituals.definitions import Ritual, ensure_defaults
from rituals.grammar import fold, parse_schedule, parse_timezone
from rituals.kinds import (
    DEFAULTS,
    HERE_WORDS,
    KIND_WORDS,
    ROLE_WORDS,
    TEAM_WORDS,
    RitualKind,
    RitualTarget,
    TargetKind,
)
from rituals.planner import queue_now, upcoming
from rituals.public_holidays import is_supported
from rituals.schedule import instant
from rituals.transactions import Work, sharing
from storage.ritual_repository import RitualDraft

OPTION_KEYS: dict[str, str] = {
    "cible": "target",
    "target": "target",
    "pour": "target",
    "to": "target",
    "fuseau": "timezone",
    "timezone": "timezone",
    "tz": "timezone",
    "zone": "timezone",
    "feries": "holidays",
    "holidays": "holidays",
    "holiday": "holidays",
}
YES = frozenset({"oui", "yes", "o", "y", "true", "on", "1"})
NO = frozenset({"non", "no", "n", "false", "off", "0"})
_WORD = re.compile(r'[^\s"]*"[^"]*"?|\S+')
_CHANNEL = re.compile(r"^<#(?P<id>[^|>]+)(?:\|[^>]*)?>$|^#(?P<name>\S+)$")


@dataclass(frozen=True, slots=True)
class Options:
    """What `rituel ajouter` / `modifier` said besides the schedule."""

    schedule_words: str = ""
    target: RitualTarget | None = None
    timezone: str | None = None
    holidays: bool | None = None
    country: str | None = None


class RitualCommand:
    """The handler the engine calls for `rituel ...`; `on_change` wakes the local scheduler."""

    def __init__(self, config: RitualConfig, on_change: Callable[[], None] | None = None) -> None:
        self.config = config
        self.on_change = on_change or (lambda: None)
        self.subcommands: dict[str, Handler] = {
            "liste": self.list_,
            "list": self.list_,
            "ls": self.list_,
            "ajouter": self.add,
            "add": self.add,
            "nouveau": self.add,
            "modifier": self.edit,
            "edit": self.edit,
            "changer": self.edit,
            "pause": self.pause,
            "suspendre": self.pause,
            "reprendre": self.resume,
            "resume": self.resume,
            "maintenant": self.now,
            "now": self.now,
            "lancer": self.now,
            "run": self.now,
            "sauter": self.skip,
            "skip": self.skip,
            "supprimer": self.delete,
            "delete": self.delete,
            "remove": self.delete,
            "canal": self.channel,
            "channel": self.channel,
        }

    async def __call__(self, ctx: Context, args: str) -> list[Message]:
        return await dispatch(ctx, "rituel", args, self.subcommands, self.list_, "ritual.ex.add")

    # ------------------------------------------------------------------ helpers

    async def work(self, ctx: Context) -> Work:
        """The ritual tables in the command's transaction, with the defaults made on first use."""
        work = sharing(ctx.repo)
        channel = ctx.channel or self.config.default_channels.get(ctx.tenant.platform, "")
        await ensure_defaults(work.rituals, ctx.tenant, channel, ctx.now)
        return work

    async def find(self, ctx: Context, work: Work, args: str) -> tuple[Ritual, str]:
        word, rest = split_first(args)
        if not word:
            raise UserError("ritual.missing_number", example="ritual.ex.number")
        number = word.lstrip("#")
        if not number.isdigit():
            raise UserError("ritual.missing_number", example="ritual.ex.number")
        record = await work.rituals.get_ritual(ctx.tenant.id, int(number))
        if record is None:
            raise UserError("ritual.no_such", number=number)
        return Ritual.of(record), rest

    def next_text(self, ctx: Context, ritual: Ritual) -> str:
        if not ritual.record.enabled:
            return ctx.t("ritual.never")
        occurrence = upcoming(ritual, ctx.tenant, ctx.now)
        if occurrence is None:
            return ctx.t("ritual.never")
        return wording.when(occurrence.at, ctx.now, ritual.timezone(ctx.tenant), ctx.locale)

    def summary(self, ctx: Context, ritual: Ritual) -> dict[str, str]:
        return {
            "number": str(ritual.number),
            "name": wording.kind_name(ctx.locale, ritual.kind),
            "schedule": wording.describe(ritual.schedule, ctx.locale),
            "target": wording.describe_target(ritual.target, ctx.locale),
            "next": self.next_text(ctx, ritual),
        }

    async def changed(
        self, ctx: Context, work: Work, ritual: Ritual, **changes: Any
    ) -> tuple[Ritual, str]:
        """Apply changes; messages still pending from the previous setting are cancelled.

        Returns the changed ritual and a sentence about the cancelled messages ("" if none).
        """
        # The update first: it waits for a planner holding the ritual's row, whose messages
        # the cancellation then sees. What was planned ahead is planned again under the new
        # setting, the rest (due already) cancelled.
        record = await work.rituals.update_ritual(ctx.tenant.id, ritual.id, ctx.now, **changes)
        await work.rituals.unplan_ahead(ritual.id, ctx.now)
        record = replace(record, checked_until=min(record.checked_until, ctx.now))
        cancelled = await work.rituals.cancel_pending(ritual_id=ritual.id, reason="ritual changed")
        self.on_change()
        note = ctx.t("ritual.cancelled_pending", count=cancelled) if cancelled else ""
        return Ritual.of(record), note

    def parse_options(self, args: str) -> Options:
        words: list[str] = []
        found: dict[str, Any] = {}
        for token in words_of(args):
            key, sep, value = token.partition("=")
            if not sep or not key:
                words.append(token)
                continue
            option = OPTION_KEYS.get(fold(key))
            if option is None:
                raise UserError("ritual.bad_option", option=key, example="ritual.ex.add")
            if option == "target":
                found["target"] = parse_target(value)
            elif option == "timezone":
                found["timezone"] = parse_timezone(value)
            else:
                found["holidays"], found["country"] = parse_holidays(value)
        return Options(schedule_words=" ".join(words), **found)

    async def check_room(self, ctx: Context, work: Work, target: RitualTarget, ignore: int) -> None:
        """At most `max_per_channel` live rituals post to one channel (or one role's inboxes)."""
        same = [
            r
            for r in await work.rituals.list_rituals(ctx.tenant.id)
            if r.id != ignore and (r.target_kind, r.target) == (target.kind.value, target.value)
        ]
        if len(same) >= self.config.max_per_channel:
            raise UserError(
                "ritual.too_many",
                target=wording.describe_target(target, ctx.locale),
                count=len(same),
                limit=self.config.max_per_channel,
                example="ritual.ex.number",
            )

    # ------------------------------------------------------------------ subcommands

    async def list_(self, ctx: Context, _: str) -> list[Message]:
        work = await self.work(ctx)
        records = await work.rituals.list_rituals(ctx.tenant.id)
        title = ctx.t("ritual.list_title")
        if not records:
            return [Message(ctx.t("ritual.none"), kind="ritual.list")]
        lines = [self.line(ctx, Ritual.of(record)) for record in records]
        notes = [ctx.t("ritual.celebration_note"), ctx.t("ritual.list_footer")]
        blocks: list[Block] = [Heading(title), *(Paragraph(line) for line in lines)]
        blocks += [ContextBlock(note) for note in notes]
        return [Message("\n".join([title, *lines, *notes]), tuple(blocks), kind="ritual.list")]

    def line(self, ctx: Context, ritual: Ritual) -> str:
        record = ritual.record
        details = ""
        if record.timezone and record.timezone != ctx.tenant.timezone:
            details += ctx.t("ritual.detail.zone", zone=record.timezone)
        country = ritual.holiday_country(ctx.tenant)
        if country:
            details += ctx.t("ritual.detail.holidays", country=country)
        if not record.enabled:
            details += ctx.t("ritual.detail.paused")
        if record.skip_local is not None:
            zone = ritual.timezone(ctx.tenant)
            skipped = instant(record.skip_local, ZoneInfo(zone))
            details += ctx.t(
                "ritual.detail.skip", when=wording.local_date(skipped, zone, ctx.locale)
            )
        return ctx.t(
            "ritual.list_line",
            icon=wording.kind_icon(ctx.locale, ritual.kind),
            details=details,
            **self.summary(ctx, ritual),
        )

    async def add(self, ctx: Context, args: str) -> list[Message]:
        ctx.require_director("what.rituals")
        work = await self.work(ctx)
        word, rest = split_first(args)
        kind = KIND_WORDS.get(fold(word)) if word else None
        if kind is None:
            raise UserError("ritual.bad_kind", value=word, example="ritual.ex.add")
        options = self.parse_options(rest)
        parsed = parse_schedule(options.schedule_words)
        team = await self.team_channel(work, ctx.tenant)
        target = options.target or default_target(kind, team)
        if target.kind is TargetKind.CHANNEL and not target.value:
            target = RitualTarget.channel(team)
        await self.check_room(ctx, work, target, ignore=0)
        record = await work.rituals.add_ritual(
            ctx.tenant.id,
            RitualDraft(
                kind=kind.value,
                schedule=parsed.schedule.canonical(),
                target_kind=target.kind.value,
                target=target.value,
                timezone=options.timezone or parsed.timezone,
                skip_holidays=True if options.holidays is None else options.holidays,
                holiday_country=options.country,
            ),
            ctx.now,
        )
        self.on_change()
        return [
            Message(
                ctx.t("ritual.added", **self.summary(ctx, Ritual.of(record))), kind="ritual.added"
            )
        ]

    async def edit(self, ctx: Context, args: str) -> list[Message]:
        ctx.require_director("what.rituals")
        work = await self.work(ctx)
        ritual, rest = await self.find(ctx, work, args)
        options = self.parse_options(rest)
        changes: dict[str, Any] = {}
        if options.schedule_words:
            parsed = parse_schedule(options.schedule_words)
            changes |= {"schedule": parsed.schedule.canonical(), "skip_local": None}
            if parsed.timezone:
                changes["timezone"] = parsed.timezone
        if options.timezone:
            changes["timezone"] = options.timezone
        if options.target is not None:
            target = options.target
            if target.kind is TargetKind.CHANNEL and not target.value:
                target = RitualTarget.channel(await self.team_channel(work, ctx.tenant))
            await self.check_room(ctx, work, target, ignore=ritual.id)
            changes |= {"target_kind": target.kind.value, "target": target.value}
        if options.holidays is not None:
            changes |= {"skip_holidays": options.holidays, "holiday_country": options.country}
        if not changes:
            raise UserError("ritual.nothing_to_change", example="ritual.ex.schedule")
        changes["checked_until"] = max(ritual.record.checked_until, ctx.now)
        updated, note = await self.changed(ctx, work, ritual, **changes)
        text = ctx.t("ritual.edited", **self.summary(ctx, updated)) + note
        return [Message(text, kind="ritual.edited")]

    async def pause(self, ctx: Context, args: str) -> list[Message]:
        ctx.require_director("what.rituals")
        work = await self.work(ctx)
        ritual, _ = await self.find(ctx, work, args)
        if not ritual.record.enabled:
            raise UserError("ritual.already_paused", number=ritual.number)
        paused, note = await self.changed(ctx, work, ritual, enabled=False)
        text = ctx.t("ritual.paused", **self.summary(ctx, paused)) + note
        return [Message(text, kind="ritual.paused")]

    async def resume(self, ctx: Context, args: str) -> list[Message]:
        ctx.require_director("what.rituals")
        work = await self.work(ctx)
        ritual, _ = await self.find(ctx, work, args)
        if ritual.record.enabled:
            raise UserError("ritual.not_paused", number=ritual.number)
        # Occurrences of the pause are not "missed": planning starts again from now.
        resumed, _ = await self.changed(ctx, work, ritual, enabled=True, checked_until=ctx.now)
        return [
            Message(ctx.t("ritual.resumed", **self.summary(ctx, resumed)), kind="ritual.resumed")
        ]

    async def now(self, ctx: Context, args: str) -> list[Message]:
        ctx.require_director("what.rituals")
        work = await self.work(ctx)
        ritual, _ = await self.find(ctx, work, args)
        occurrence, count = await queue_now(work, ctx.tenant, ritual.record, ctx.now)
        if occurrence is None:
            raise UserError("ritual.now_twice", number=ritual.number)
        self.on_change()
        values = self.summary(ctx, ritual)
        if count == 0:
            reason = ctx.t("ritual.reason.nobody")
            return [
                Message(ctx.t("ritual.now_nothing", reason=reason, **values), kind="ritual.now")
            ]
        return [Message(ctx.t("ritual.now_queued", count=count, **values), kind="ritual.now")]

    async def skip(self, ctx: Context, args: str) -> list[Message]:
        ctx.require_director("what.rituals")
        work = await self.work(ctx)
        ritual, _ = await self.find(ctx, work, args)
        occurrence = upcoming(ritual, ctx.tenant, ctx.now) if ritual.record.enabled else None
        if occurrence is None:
            raise UserError("ritual.nothing_to_skip", number=ritual.number)
        skipping, _ = await self.changed(ctx, work, ritual, skip_local=occurrence.local)
        when = wording.local_date(occurrence.at, ritual.timezone(ctx.tenant), ctx.locale)
        values = self.summary(ctx, skipping)
        return [Message(ctx.t("ritual.skip_set", **{**values, "when": when}), kind="ritual.skip")]

    async def delete(self, ctx: Context, args: str) -> list[Message]:
        ctx.require_director("what.rituals")
        work = await self.work(ctx)
        ritual, _ = await self.find(ctx, work, args)
        _, note = await self.changed(ctx, work, ritual, deleted_at=ctx.now, enabled=False)
        text = ctx.t("ritual.deleted", **self.summary(ctx, ritual)) + note
        return [Message(text, kind="ritual.deleted")]

    async def channel(self, ctx: Context, args: str) -> list[Message]:
        ctx.require_director("what.rituals")
        work = await self.work(ctx)
        wanted = args.strip()
        if fold(wanted) in HERE_WORDS or (not wanted and ctx.channel):
            wanted = f"#{ctx.channel}" if ctx.channel else ""
        target = parse_target(wanted) if wanted else None
        if target is None or target.kind is not TargetKind.CHANNEL or not target.value:
            raise UserError("ritual.missing_channel", example="ritual.ex.channel")
        old = await self.team_channel(work, ctx.tenant)
        moved = [
            record.id
            for record in await work.rituals.list_rituals(ctx.tenant.id)
            if record.target_kind == TargetKind.CHANNEL.value and record.target in (old, "")
        ]
        count = await work.rituals.set_channel(ctx.tenant.id, old, target.value, ctx.now)
        for ritual_id in moved:
            await work.rituals.unplan_ahead(ritual_id, ctx.now)
            await work.rituals.cancel_pending(ritual_id=ritual_id, reason="channel changed")
        self.on_change()
        return [
            Message(
                ctx.t("ritual.channel_set", channel=target.value, count=count),
                kind="ritual.channel",
            )
        ]

    async def team_channel(self, work: Work, tenant: Tenant) -> str:
        """The channel most channel rituals post to ("" while none is chosen)."""
        channels = [
            r.target
            for r in await work.rituals.list_rituals(tenant.id)
            if r.target_kind == TargetKind.CHANNEL.value and r.target
        ]
        return max(set(channels), key=channels.count) if channels else ""


def words_of(text: str) -> list[str]:
    """Words, a double-quoted part staying whole (`cible="#mon canal"`); "#" is an ordinary
    character here (shell-like splitting would read it as a comment)."""
    normalised = text.replace("«", '"').replace("»", '"').replace("“", '"').replace("”", '"')
    return [word.replace('"', "").strip() for word in _WORD.findall(normalised)]


def parse_target(value: str) -> RitualTarget:
    """ "#général", "<#C123|general>", "équipe", "managers", "direction", "membres"."""
    text = value.strip()
    match = _CHANNEL.match(text)
    if match:
        return RitualTarget.channel(match["id"] or match["name"])
    word = fold(text)
    if word in ROLE_WORDS:
        return RitualTarget.role(ROLE_WORDS[word])
    if word in TEAM_WORDS:
        return RitualTarget.channel("")
    raise UserError("ritual.bad_target", value=value, example="ritual.ex.add")


def parse_holidays(value: str) -> tuple[bool, str | None]:
    """fériés=oui|non|FR → (skip holidays, country or None for the time zone's)."""
    word = fold(value.strip())
    if word in YES:
        return True, None
    if word in NO:
        return False, None
    if len(word) == 2 and is_supported(word.upper()):
        return True, word.upper()
    raise UserError("ritual.bad_holidays", value=value, example="ritual.ex.holidays")


def default_target(kind: RitualKind, team_channel: str) -> RitualTarget:
    """Where a new ritual of `kind` posts unless told: the default set's choice."""
    default = next(d.target for d in DEFAULTS if d.kind is kind)
    if default.kind is TargetKind.CHANNEL:
        return RitualTarget.channel(team_channel)
    return default
