"""The `retex` command: share a lesson learned (maybe anonymous, maybe linked), list them."""

from __future__ import annotations

from bot import actions
from bot.commands.quickwin import find
from bot.context import Context
from bot.errors import UserError
from bot.messages import Block, Button, Buttons, Heading, Message, Paragraph, Visibility
from bot.model import QuickWin
from bot.parsing import split_first
from bot.summaries import member_names, retex_line

MAX_RETEX = 2000
LIST_LIMIT = 10
ANONYMOUS_WORDS = frozenset({"anonyme", "anonymous", "anon", "--anonyme", "--anonymous"})
LINK_PREFIXES = ("qw=", "qw:", "--qw=")


def link_text(ctx: Context, qw: QuickWin | None) -> str:
    return ctx.t("retex.link", number=qw.number, title=qw.title) if qw else ""


async def share(ctx: Context, text: str, *, anonymous: bool, qw: QuickWin | None) -> list[Message]:
    """Store a retex and announce it to the team."""
    cleaned = text.strip()
    if not cleaned:
        raise UserError("retex.empty", example="ex.retex", field="text")
    if len(cleaned) > MAX_RETEX:
        raise UserError("error.too_long", count=len(cleaned), limit=MAX_RETEX, field="text")
    await ctx.repo.add_retex(
        ctx.tenant.id, cleaned, ctx.actor.id, anonymous, qw.id if qw else None, ctx.now
    )
    author = ctx.t("retex.anonymous") if anonymous else ctx.actor.display_name
    announce = ctx.t("retex.shared", author=author, link=link_text(ctx, qw), text=cleaned)
    return [Message(announce, (Paragraph(announce),), Visibility.CHANNEL, kind="retex.shared")]


async def list_retex(ctx: Context, args: str) -> list[Message]:
    qw: QuickWin | None = None
    for word in args.split():
        lowered = word.lower()
        ref = next((lowered[len(p) :] for p in LINK_PREFIXES if lowered.startswith(p)), lowered)
        qw = await find(ctx, ref)
    items = await ctx.repo.list_retex(
        ctx.tenant.id, quick_win_id=qw.id if qw else None, limit=LIST_LIMIT
    )
    if not items:
        return [Message(ctx.t("retex.none"), kind="retex.list")]
    names = await member_names(ctx.repo, ctx.tenant.id)
    linked = {q.id: q for q in await ctx.repo.list_quick_wins(ctx.tenant.id, active_only=False)}
    lines = [
        retex_line(ctx.tenant, r, names, link_text(ctx, linked.get(r.quick_win_id or -1)))
        for r in items
    ]
    title = ctx.t("retex.list_title")
    blocks: tuple[Block, ...] = (
        Heading(title),
        *(Paragraph(line) for line in lines),
        Buttons((Button(ctx.t("retex.button"), actions.SHARE_RETEX, ""),)),
    )
    return [Message("\n".join([title, *lines]), blocks, kind="retex.list")]


async def run(ctx: Context, args: str) -> list[Message]:
    word, rest = split_first(args)
    if word in ("liste", "list"):
        return await list_retex(ctx, rest)
    anonymous = False
    qw: QuickWin | None = None
    remaining = args.strip()
    while remaining:
        word, _, after = remaining.partition(" ")
        lowered = word.lower()
        if lowered in ANONYMOUS_WORDS:
            anonymous = True
        elif lowered.startswith(LINK_PREFIXES):
            prefix = next(p for p in LINK_PREFIXES if lowered.startswith(p))
            qw = await find(ctx, word[len(prefix) :])
        else:
            break
        remaining = after.strip()
    return await share(ctx, remaining, anonymous=anonymous, qw=qw)
