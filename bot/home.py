"""A person's home view: the current cap, their own quick wins with progress, and shortcuts."""

from __future__ import annotations

from bot import actions
from bot.context import Context
from bot.figures import figures
from bot.messages import Block, Button, Buttons, ButtonStyle, Divider, Heading, Message, Paragraph
from bot.messages import Context as Note
from bot.summaries import RECENT_MEASUREMENTS
from bot.views.quickwins import progress_block, summary_line


async def home_message(ctx: Context) -> Message:
    t = ctx.t
    blocks: list[Block] = [Heading("🧭 Boussole")]
    lines = ["🧭 Boussole"]
    home = await ctx.repo.home_snapshot(ctx.tenant.id, ctx.actor.id, recent=RECENT_MEASUREMENTS)
    current = home.cap
    if current is None:
        blocks.append(Paragraph(t("cap.none")))
        lines.append(t("cap.none"))
    else:
        title = t("cap.title", version=current.version)
        blocks += [Heading(title), Paragraph(current.text)]
        lines += [title, current.text]
        if not home.acknowledged:
            blocks.append(
                Buttons(
                    (
                        Button(
                            t("cap.ack_button"),
                            actions.ACK_CAP,
                            str(current.id),
                            ButtonStyle.PRIMARY,
                        ),
                    )
                )
            )
    snapshots = home.quick_wins
    blocks.append(Divider())
    heading = t("qw.list_title")
    blocks.append(Heading(heading))
    lines.append(heading)
    if not snapshots:
        blocks.append(Note(t("qw.none")))
        lines.append(t("qw.none"))
    for snapshot in snapshots:
        figs = figures(snapshot, ctx.today, ctx.tenant.timezone)
        line = summary_line(ctx.tenant, snapshot.quick_win, figs)
        blocks += [progress_block(ctx.tenant, snapshot.quick_win, figs), Note(line)]
        lines.append("• " + line)
    blocks.append(
        Buttons(
            (
                Button(t("qw.log_button"), actions.LOG_RESULT, "", ButtonStyle.PRIMARY),
                Button(t("retex.button"), actions.SHARE_RETEX, ""),
            )
        )
    )
    return Message("\n".join(lines), tuple(blocks), kind="home")
