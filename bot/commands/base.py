"""Shared plumbing of command handlers: subcommand tables and close-match suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Mapping

from bot.context import Context
from bot.errors import UserError
from bot.messages import Message
from bot.parsing import split_first

Handler = Callable[[Context, str], Awaitable[list[Message]]]


def suggestion(ctx: Context, word: str, candidates: list[str]) -> str:
    """ " Vouliez-vous dire « x » ?" for the closest candidate, or ""."""
    close = difflib.get_close_matches(word.lower(), candidates, n=1, cutoff=0.6)
    return ctx.t("error.did_you_mean", candidate=close[0]) if close else ""


async def dispatch(
    ctx: Context,
    command: str,
    args: str,
    table: Mapping[str, Handler],
    default: Handler,
    example: str,
) -> list[Message]:
    """Run the subcommand named by the first word of `args`, or `default` when there is none."""
    word, rest = split_first(args)
    if not word:
        return await default(ctx, "")
    handler = table.get(word)
    if handler is None:
        raise UserError(
            "error.unknown_subcommand",
            word=word,
            command=command,
            suggestion=suggestion(ctx, word, list(table)),
            example=example,
        )
    return await handler(ctx, rest)
