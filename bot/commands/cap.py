"""The `cap` command: show, set (≤ 100 words, director), history and acknowledgement."""

from __future__ import annotations

from bot import formatting
from bot.commands.base import Handler, dispatch
from bot.context import Context
from bot.errors import UserError
from bot.messages import Message, Visibility
from bot.model import CapVersion, Role
from bot.parsing import count_words
from bot.summaries import cap_readers, member_names
from bot.views.cap import cap_message, history_message, readers_notes

MAX_WORDS = 100
MAX_CAP_CHARS = 2000
HISTORY_LIMIT = 10
SET_EXAMPLE = "ex.cap_set"


async def current_or_error(ctx: Context) -> CapVersion:
    cap = await ctx.repo.current_cap(ctx.tenant.id)
    if cap is None:
        raise UserError("cap.none")
    return cap


async def show(ctx: Context, _: str) -> list[Message]:
    cap = await ctx.repo.current_cap(ctx.tenant.id)
    if cap is None:
        return [Message(ctx.t("cap.none"), kind="cap")]
    notes: tuple[str, ...] = ()
    if ctx.actor.role in (Role.DIRECTOR, Role.MANAGER):
        acked, pending = await cap_readers(ctx.repo, ctx.tenant.id, cap)
        when = {a.member_id: a.acked_at for a in await ctx.repo.cap_acks(ctx.tenant.id, cap.id)}
        readers = [
            f"{m.display_name} ({formatting.day(formatting.local_date(when[m.id], ctx.tenant.timezone), ctx.locale)})"
            for m in acked
        ]
        notes = readers_notes(ctx.tenant, readers, [m.display_name for m in pending])
    author = await ctx.member_name(cap.author_id)
    return [cap_message(ctx.tenant, cap, author, notes=notes)]


def validate_cap_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise UserError("cap.empty", example=SET_EXAMPLE)
    words = count_words(cleaned)
    if words > MAX_WORDS:
        raise UserError("cap.too_many_words", count=words, excess=words - MAX_WORDS)
    if len(cleaned) > MAX_CAP_CHARS:
        raise UserError("error.too_long", count=len(cleaned), limit=MAX_CAP_CHARS)
    if words == 0:
        raise UserError("cap.empty", example=SET_EXAMPLE)
    return cleaned


async def set_cap(ctx: Context, text: str) -> list[Message]:
    ctx.require_director("what.cap_set")
    cleaned = validate_cap_text(text)
    cap = await ctx.repo.add_cap_version(ctx.tenant.id, cleaned, ctx.actor.id, ctx.now)
    note = ctx.t("cap.set_done", author=ctx.actor.display_name, version=cap.version)
    return [
        cap_message(
            ctx.tenant,
            cap,
            ctx.actor.display_name,
            new=True,
            notes=(note,),
            visibility=Visibility.CHANNEL,
        )
    ]


async def history(ctx: Context, _: str) -> list[Message]:
    caps = await ctx.repo.cap_history(ctx.tenant.id, HISTORY_LIMIT)
    if not caps:
        raise UserError("cap.none")
    return [history_message(ctx.tenant, caps, await member_names(ctx.repo, ctx.tenant.id))]


async def acknowledge(ctx: Context, cap: CapVersion) -> Message:
    """Record that the actor read `cap`; says so, or says when they already had."""
    if await ctx.repo.ack_cap(ctx.tenant.id, cap.id, ctx.actor.id, ctx.now):
        return Message(ctx.t("cap.acked", name=ctx.actor.display_name, version=cap.version))
    acks = await ctx.repo.cap_acks(ctx.tenant.id, cap.id)
    when = next((a.acked_at for a in acks if a.member_id == ctx.actor.id), ctx.now)
    day = formatting.day(formatting.local_date(when, ctx.tenant.timezone), ctx.locale)
    return Message(ctx.t("cap.already_acked", version=cap.version, date=day))


async def ack(ctx: Context, _: str) -> list[Message]:
    return [await acknowledge(ctx, await current_or_error(ctx))]


SUBCOMMANDS: dict[str, Handler] = {
    "voir": show,
    "show": show,
    "définir": set_cap,
    "definir": set_cap,
    "set": set_cap,
    "historique": history,
    "history": history,
    "lu": ack,
    "ack": ack,
}


async def run(ctx: Context, args: str) -> list[Message]:
    return await dispatch(ctx, "cap", args, SUBCOMMANDS, show, "ex.cap_set")
