"""`python -m bench [--smoke] [--only 1,3] [...]`: run the benchmarks, print one table."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.options import Options, from_args, parser
from bench.report import Line, machine, missing_line, render, write_json

RowRunner = Callable[[Options], Awaitable[list[Line]]]


def rows() -> list[tuple[str, str, RowRunner]]:
    from bench import row_fanout, row_kpi, row_slack, row_start, row_teams

    return [
        ("1", "Slack ack", row_slack.run),
        ("2", "Teams turn", row_teams.run),
        ("3", "KPI summary", row_kpi.run),
        ("4", "Ritual fan-out", row_fanout.run),
        ("5", "Start and idle", row_start.run),
    ]


async def run_all(options: Options) -> list[Line]:
    lines: list[Line] = []
    for row, name, runner in rows():
        if options.only and row not in options.only:
            continue
        started = time.monotonic()
        print(f"[bench] row {row} ({name})…", file=sys.stderr, flush=True)
        try:
            lines += await runner(options)
        except Exception as error:  # one broken row must not hide the others
            traceback.print_exc()
            lines.append(missing_line(row, name, f"failed: {type(error).__name__}: {error}"))
        print(
            f"[bench] row {row} done in {time.monotonic() - started:.1f}s",
            file=sys.stderr,
            flush=True,
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    options = from_args(args)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    context = machine()
    lines = asyncio.run(run_all(options))
    size = "smoke sizes" if options.smoke else "full sizes"
    print(render(lines, title=f"Boussole benchmarks ({size}) — {context}"))
    if args.json:
        write_json(lines, Path(args.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
