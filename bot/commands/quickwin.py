"""The `quickwin` / `qw` command: add, log a result, list, show and close quick wins."""

from __future__ import annotations

from decimal import Decimal

from bot import actions, formatting, progress
from bot.commands.base import Handler, dispatch
from bot.context import Context
from bot.errors import UserError
from bot.figures import figures
from bot.messages import Block, Button, Buttons, Heading, Message, Paragraph, Visibility
from bot.model import QuickWin, QuickWinDraft, QuickWinSnapshot, QuickWinState, Role
from bot.parsing import parse_date, parse_number, parse_ref, split_first, tokens
from bot.summaries import RECENT_MEASUREMENTS, member_names
from bot.views.quickwins import (
    celebration_message,
    detail_message,
    status_text,
    summary_line,
    title_text,
)

MAX_TITLE = 150
MAX_KPI = 100
MAX_UNIT = 20
MAX_NOTE = 500
HISTORY = 12

FIELD_ALIASES: dict[str, str] = {
    "titre": "title",
    "title": "title",
    "kpi": "kpi",
    "indicateur": "kpi",
    "indicator": "kpi",
    "unité": "unit",
    "unite": "unit",
    "unit": "unit",
    "base": "baseline",
    "baseline": "baseline",
    "référence": "baseline",
    "reference": "baseline",
    "départ": "baseline",
    "depart": "baseline",
    "cible": "target",
    "target": "target",
    "échéance": "due",
    "echeance": "due",
    "due": "due",
    "responsable": "owner",
    "resp": "owner",
    "owner": "owner",
}
REQUIRED = ("title", "kpi", "baseline", "target", "due")
CLOSE_STATES: dict[str, QuickWinState] = {
    "fait": QuickWinState.DONE,
    "terminé": QuickWinState.DONE,
    "termine": QuickWinState.DONE,
    "done": QuickWinState.DONE,
    "abandonné": QuickWinState.ABANDONED,
    "abandonne": QuickWinState.ABANDONED,
    "abandoned": QuickWinState.ABANDONED,
}


def field_values(args: str) -> dict[str, str]:
    """`"Titre libre" kpi="Délai" base=52` → {"title": "Titre libre", "kpi": "Délai", …}."""
    values: dict[str, str] = {}
    loose: list[str] = []
    for token in tokens(args):
        key, sep, value = token.partition("=")
        if sep and key and key.replace("é", "e").isalpha():
            canonical = FIELD_ALIASES.get(key.lower())
            if canonical is None:
                raise UserError(
                    "qw.unknown_field",
                    name=key,
                    fields=", ".join(sorted({k for k in FIELD_ALIASES if k.isascii()})),
                    example="ex.qw_add",
                )
            values[canonical] = value.strip()
        else:
            loose.append(token)
    if loose and "title" not in values:
        values["title"] = " ".join(loose)
    return values


def check_length(value: str, limit: int, field: str) -> str:
    if len(value) > limit:
        raise UserError("qw.field_too_long", name=field, count=len(value), limit=limit)
    return value


async def add(ctx: Context, args: str) -> list[Message]:
    ctx.require_lead("what.qw_add")
    values = field_values(args)
    missing = [f for f in REQUIRED if not values.get(f)]
    if missing:
        names = ", ".join(ctx.t(f"qw.name.{f}") for f in missing)
        raise UserError("qw.missing_fields", fields=names, example="ex.qw_add")
    baseline, baseline_unit = parse_number(values["baseline"])
    target, target_unit = parse_number(values["target"])
    unit = values.get("unit") or baseline_unit or target_unit
    check_length(unit, MAX_UNIT, ctx.t("qw.name.unit"))
    if baseline == target:
        raise UserError("qw.same_baseline_target", value=formatting.number(target, ctx.locale))
    due = parse_date(values["due"])
    if due < ctx.today:
        raise UserError("qw.due_in_past", due=formatting.day(due, ctx.locale), example="ex.qw_add")
    owner = await ctx.resolve_member(values["owner"]) if values.get("owner") else ctx.actor
    draft = QuickWinDraft(
        tenant_id=ctx.tenant.id,
        title=check_length(values["title"].strip(), MAX_TITLE, ctx.t("qw.name.title")),
        kpi=check_length(values["kpi"].strip(), MAX_KPI, ctx.t("qw.name.kpi")),
        unit=unit.strip(),
        baseline=baseline,
        target=target,
        due=due,
        owner_id=owner.id,
        created_by=ctx.actor.id,
        created_at=ctx.now,
    )
    qw = await ctx.repo.add_quick_win(draft)
    text = ctx.t(
        "qw.added",
        number=qw.number,
        title=qw.title,
        kpi=qw.kpi,
        baseline=formatting.number(qw.baseline, ctx.locale, qw.unit),
        target=formatting.number(qw.target, ctx.locale, qw.unit),
        due=formatting.day(qw.due, ctx.locale),
        owner=owner.display_name,
    )
    return [Message(text, (Paragraph(text),), Visibility.CHANNEL, kind="quickwin.added")]


async def find(ctx: Context, ref: str) -> QuickWin:
    if not ref:
        raise UserError("qw.log_missing", example="ex.qw_log")
    number = parse_ref(ref)
    qw = await ctx.repo.get_quick_win(ctx.tenant.id, number)
    if qw is None:
        raise UserError("error.no_such_qw", number=number)
    return qw


def unit_matches(given: str, unit: str) -> bool:
    g, u = given.lower().rstrip("."), unit.lower()
    return not g or not u or u.startswith(g) or g.startswith(u)


def parse_result(text: str, unit: str) -> tuple[Decimal, str]:
    """`38,5 jours relances envoyées` → (38.5, "relances envoyées") for a KPI in "jours"."""
    value_word, _, note = text.strip().partition(" ")
    value, attached = parse_number(value_word)
    note = note.strip()
    if attached:
        if not unit_matches(attached, unit):
            raise UserError(
                "qw.unit_mismatch", given=attached, unit=unit or "—", example="ex.qw_log"
            )
    elif unit and note:
        unit_word, _, after = note.partition(" ")
        if (unit_word == "%" or unit_word.isalpha()) and unit_matches(unit_word, unit):
            note = after.strip()
    return value, note


async def record_result(ctx: Context, ref: str, text: str, extra_note: str = "") -> list[Message]:
    """Store one measurement; announce it, and celebrate when it reaches the target."""
    qw = await find(ctx, ref)
    value, note = parse_result(text, qw.unit)
    note = " ".join(part for part in (note, extra_note.strip()) if part)
    if qw.state is not QuickWinState.ACTIVE:
        state = ctx.t(f"state.{qw.state.value}")
        raise UserError("qw.closed_already", number=qw.number, state=state)
    if len(note) > MAX_NOTE:
        raise UserError("error.too_long", count=len(note), limit=MAX_NOTE, field="note")
    # A result that reaches the target celebrates it, once: otherwise the write is the
    # transaction's last statement, and SQLite commits it in the same trip.
    celebrates = qw.celebrated_at is None and progress.progress(qw.baseline, qw.target, value) >= 1
    _, recent = await ctx.repo.add_measurement_and_recent(
        ctx.tenant.id,
        qw.id,
        value,
        note.strip(),
        ctx.actor.id,
        ctx.now,
        RECENT_MEASUREMENTS,
        ends_transaction=not celebrates,
    )
    figs = figures(QuickWinSnapshot.of(qw, recent), ctx.today, ctx.tenant.timezone)
    text = ctx.t(
        "qw.logged",
        author=ctx.actor.display_name,
        value=formatting.number(value, ctx.locale, qw.unit),
        number=qw.number,
        title=qw.title,
        progress=formatting.percent(figs.ratio, ctx.locale),
        status=status_text(ctx.tenant, figs),
    )
    messages = [Message(text, (Paragraph(text),), Visibility.CHANNEL, kind="quickwin.logged")]
    if celebrates and await ctx.repo.mark_celebrated(ctx.tenant.id, qw.id, ctx.now):
        owner = await ctx.member_name(qw.owner_id)
        messages.append(celebration_message(ctx.tenant, qw, value, owner))
    return messages


async def log(ctx: Context, args: str) -> list[Message]:
    ref, _, rest = args.strip().partition(" ")
    if not rest.strip():
        raise UserError("qw.log_missing", example="ex.qw_log")
    return await record_result(ctx, ref, rest)


async def list_(ctx: Context, args: str) -> list[Message]:
    word, _ = split_first(args)
    show_all = word in ("tous", "all")
    quick_wins = await ctx.repo.list_quick_wins(ctx.tenant.id, active_only=not show_all)
    if not quick_wins:
        return [Message(ctx.t("qw.none"), kind="quickwin.list")]
    snapshots = {
        s.quick_win.id: s
        for s in await ctx.repo.active_snapshots(ctx.tenant.id, RECENT_MEASUREMENTS)
    }
    title = ctx.t("qw.list_title")
    lines: list[str] = []
    for qw in quick_wins:
        snapshot = snapshots.get(qw.id)
        if snapshot is None:
            lines.append(f"{title_text(qw, ctx.tenant)} · {ctx.t(f'state.{qw.state.value}')}")
        else:
            lines.append(
                summary_line(ctx.tenant, qw, figures(snapshot, ctx.today, ctx.tenant.timezone))
            )
    blocks: list[Block] = [Heading(title), *(Paragraph(line) for line in lines)]
    blocks.append(Buttons((Button(ctx.t("qw.log_button"), actions.LOG_RESULT, ""),)))
    return [Message("\n".join([title, *lines]), tuple(blocks), kind="quickwin.list")]


async def show(ctx: Context, args: str) -> list[Message]:
    ref, _ = split_first(args)
    qw = await find(ctx, ref)
    history = await ctx.repo.measurements(ctx.tenant.id, qw.id, HISTORY)
    snapshot = QuickWinSnapshot.of(qw, history[-RECENT_MEASUREMENTS:])
    figs = figures(snapshot, ctx.today, ctx.tenant.timezone)
    names = await member_names(ctx.repo, ctx.tenant.id)
    return [detail_message(ctx.tenant, qw, figs, names.get(qw.owner_id, "?"), history, names)]


async def close(ctx: Context, args: str) -> list[Message]:
    parts = args.split()
    if not parts:
        raise UserError("qw.log_missing", example="ex.qw_close")
    qw = await find(ctx, parts[0])
    if ctx.actor.role is Role.MEMBER and ctx.actor.id != qw.owner_id:
        ctx.require_lead("what.qw_close")
    state = CLOSE_STATES.get(parts[1].lower()) if len(parts) > 1 else None
    if state is None:
        raise UserError("qw.close_how", example="ex.qw_close")
    if qw.state is not QuickWinState.ACTIVE:
        raise UserError(
            "qw.closed_already", number=qw.number, state=ctx.t(f"state.{qw.state.value}")
        )
    closed = await ctx.repo.close_quick_win(ctx.tenant.id, qw.id, state, ctx.now)
    latest = await ctx.repo.measurements(ctx.tenant.id, qw.id, 1)
    text = ctx.t(
        "qw.closed",
        number=closed.number,
        title=closed.title,
        state=ctx.t(f"state.{state.value}"),
        latest=formatting.number(latest[-1].value, ctx.locale, qw.unit)
        if latest
        else ctx.t("qw.no_measure"),
    )
    return [Message(text, (Paragraph(text),), Visibility.CHANNEL, kind="quickwin.closed")]


async def default(ctx: Context, _: str) -> list[Message]:
    return await list_(ctx, "")


SUBCOMMANDS: dict[str, Handler] = {
    "ajouter": add,
    "add": add,
    "nouveau": add,
    "saisir": log,
    "log": log,
    "liste": list_,
    "list": list_,
    "voir": show,
    "show": show,
    "clore": close,
    "close": close,
}


async def run(ctx: Context, args: str) -> list[Message]:
    return await dispatch(ctx, "qw", args, SUBCOMMANDS, default, "ex.qw_log")


def logged_quick_win(args: str) -> int | None:
    """The number of the quick win a result is logged for (`saisir 3 45` → 3), read from the
    command's text before it runs, so that the engine reads that quick win with the command's
    first statements; None for anything else (the command then reads it, or says what is
    wrong, itself)."""
    word, rest = split_first(args)
    if SUBCOMMANDS.get(word) is not log:
        return None
    ref = rest.strip().partition(" ")[0]
    try:
        return parse_ref(ref) if ref else None
    except UserError:
        return None
