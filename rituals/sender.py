"""Drains the outbox: leases rows, reconciles taken-over ones, sends through the platform's Messenger.

How a drain works: rows are claimed (leased) per workspace only as far ahead as the
workspace's pace will send them (`HOLD_AHEAD`: one row at Slack's 1 s pace, the next claimed
while it waits its turn), into per-workspace queues; a workspace is sent to one row at a
time, in order, when its pacer allows (`rituals.pacing`); at most `MAX_SENDS_AT_ONCE` sends
are in flight, all workspaces together, and a workspace waiting for its pace holds none of
them. A row is claimed up to `RitualConfig.send_ahead` before its time and sent at it. A
workspace that finishes frees room for the next claim: there is no batch to wait for. A claim
runs beside the sends (they keep starting while it reads and leases), and none starts while
workspaces whose turn has come wait for a free send: their rows go first, as a claim's rows
could only go after them. A refusal (429) puts the row back in the outbox at its
`Retry-After` (and, on a paced platform, the workspace's other held rows with it) instead of
waiting while holding anything. Outcomes are written in shared transactions (group commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import math
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery import (
    Delivery,
    DeliveryStatus,
    Messenger,
    PreparesSends,
    Target,
    TargetKind,
)
from bot.model import Tenant
from bot.ports import Clock
from rituals import codec
from rituals.config import RitualConfig
from rituals.pacing import Pacer, declared_interval
from rituals.transactions import transaction
from storage.ritual_repository import ClaimedMessage, OutboxOutcome

logger = logging.getLogger(__name__)

MAX_ROUNDS = 200
"""Claims one `drain` makes at most, so a flood never keeps a run going for ever."""
MAX_BACKOFF = timedelta(hours=1)
MAX_SENDS_AT_ONCE = 100
"""Sends in flight at once (HTTP call and outcome), all workspaces together."""
MAX_HELD = 1000
"""Claimed rows held in memory at once, all workspaces together (memory stays flat): as many
workspaces in progress at once, at one row each."""
HOLD_AHEAD = 1.0
"""Seconds of a paced workspace's sends claimed ahead (at least one row): at 1 s spacing one
row, the next claimed while it waits its turn. Two rows each halved the workspaces under way
within `MAX_HELD`: a Monday fan-out to 1,000 workspaces took 10.0–10.3 s instead of 7.3 s."""
LEASE_MARGIN = timedelta(seconds=10)
"""A held row whose lease ends within this is put back in the outbox rather than sent."""
RECORD_BATCH = 500
"""Outcomes written in one transaction at most."""
CLAIM_PAUSE = 0.25
"""Seconds between two claims while rows are held and the last claim found fewer than it could
take, even if sends freed room during it (the room a finished send frees is claimed with
others', not one transaction each: at a 1,000-workspace fan-out, 42 claims instead of 90)."""
SCAN_FACTOR = 4
"""Due rows a claim looks at per row it may take (rows of workspaces already full are passed)."""
HAND_OVER_LIMIT = 1.0
"""Seconds the planner waits at most for the drain to claim what it queued."""


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    reconciled: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    lost: int = 0
    """Outcomes not recorded because the lease had passed to another sender meanwhile."""
    more: bool = False
    """The drain stopped at its bound with rows still due: run again soon."""


class PlanningFeed:
    """Between the planner and a drain running alongside it: the planner says rows were queued
    (`notify`) and waits for the drain to have claimed them (`handed_over`) before planning on,
    so the first messages leave while the rest is planned (on SQLite both share one
    connection, which the planner would otherwise keep); a drain with ready rows waiting for a
    free send lets it go on at once. `finish` says planning is over."""

    def __init__(self) -> None:
        self.queued = asyncio.Event()
        self.claimed = asyncio.Event()
        self.done = False
        self.closed = False

    def notify(self) -> None:
        self.claimed.clear()
        self.queued.set()

    async def handed_over(self) -> None:
        """Until the drain has claimed since `notify` (`HAND_OVER_LIMIT` seconds at most)."""
        if self.closed:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.claimed.wait(), HAND_OVER_LIMIT)

    async def hand_over(self) -> None:
        """`notify`, then `handed_over`: what the planner does after each group."""
        self.notify()
        await self.handed_over()

    def finish(self) -> None:
        self.done = True
        self.queued.set()

    def close(self) -> None:
        """The drain is over: nobody claims any more."""
        self.closed = True
        self.claimed.set()


@dataclass(slots=True)
class _Held:
    message: ClaimedMessage
    tenant: Tenant | None
    lease_ends: datetime
    not_before: float
    """The monotonic instant of the row's time (-inf: due when claimed)."""


@dataclass(slots=True)
class _Workspace:
    key: tuple[str, int]
    interval: float
    rows: deque[_Held] = field(default_factory=deque)
    scheduled: bool = False
    """In the ready heap or being sent to."""
    sending: bool = False
    capped: bool = False
    """It had no room left at the last claim: rows of it may still wait in the outbox."""


class Sender:
    """One sender (`owner`); any number may run at once on the same outbox."""

    def __init__(
        self,
        engine: AsyncEngine,
        messengers: Mapping[str, Messenger],
        clock: Clock,
        owner: str,
        config: RitualConfig,
        *,
        pacer: Pacer | None = None,
    ) -> None:
        self.engine = engine
        self.messengers = messengers
        self.clock = clock
        self.owner = owner
        self.config = config
        self.pacer = pacer if pacer is not None else Pacer()

    async def drain(self, planning: PlanningFeed | None = None) -> SendReport:
        """Send everything due (and, with `planning`, what it queues meanwhile) until nothing
        is left to claim."""
        report = SendReport()
        await _Drain(self, report, planning).run()
        return report

    async def claim(
        self,
        limit: int,
        skip_tenants: Collection[int] = (),
        quota: Callable[[int, str], int] | None = None,
        *,
        sweep: bool = True,
    ) -> list[tuple[ClaimedMessage, Tenant | None]]:
        """Lease due rows of the connected platforms, with their tenants; with `sweep`, first
        cancel the rows of tenants who uninstalled the bot (a drain sweeps on its first claim:
        a row of a tenant uninstalled since is cancelled when its turn comes)."""
        now = self.clock.now()
        async with transaction(self.engine) as work:
            if sweep:
                await work.rituals.cancel_for_inactive_tenants(now)
            claimed = await work.rituals.claim_outbox(
                self.owner,
                self.messengers,
                now,
                self.config.send_lease,
                limit,
                skip_tenants=skip_tenants,
                quota=quota,
                scan=limit * SCAN_FACTOR,
                due_by=now + self.config.send_ahead,
            )
            tenants = await work.rituals.tenants(m.tenant_id for m in claimed) if claimed else {}
        batch = [(message, tenants.get(message.tenant_id)) for message in claimed]
        await self.prepare(batch)
        return batch

    async def prepare(self, batch: Collection[tuple[ClaimedMessage, Tenant | None]]) -> None:
        """Let each platform read at once what the batch's sends need (`PreparesSends`); if it
        cannot, each send reads for itself."""
        by_platform: dict[str, dict[int, Tenant]] = {}
        sends: dict[str, int] = {}
        for message, tenant in batch:
            sends[message.platform] = sends.get(message.platform, 0) + 1
            if tenant is not None:
                by_platform.setdefault(message.platform, {})[tenant.id] = tenant
        for platform, tenants in by_platform.items():
            messenger = self.messengers.get(platform)
            if isinstance(messenger, PreparesSends):
                try:
                    await messenger.prepare(list(tenants.values()))
                except Exception as error:
                    count = sends[platform]
                    logger.warning("preparing %d %s sends failed: %r", count, platform, error)

    async def defer(self, tenant_id: int, platform: str, delivery: Delivery) -> None:
        """A paced workspace was refused: its other pending rows wait for the Retry-After too
        (here and in any other sender)."""
        seconds = min(delivery.retry_after or 0.0, MAX_BACKOFF.total_seconds())
        until = self.clock.now() + timedelta(seconds=seconds)
        async with transaction(self.engine) as work:
            await work.rituals.defer_pending(tenant_id, platform, until, delivery.detail)

    async def next_due(self) -> datetime | None:
        """When the outbox next has a row to claim (`send_ahead` before a row's time, a retry,
        a lease to take over)."""
        async with transaction(self.engine) as work:
            return await work.rituals.next_available(
                self.messengers, self.clock.now(), self.config.send_ahead
            )

    async def deliver(
        self,
        message: ClaimedMessage,
        tenant: Tenant | None,
        report: SendReport,
        recorder: _Recorder | None = None,
        answered: Callable[[Delivery], None] | None = None,
    ) -> Delivery:
        """Send one leased row and record the outcome. A row taken over from a sender that
        crashed while sending is first looked up on the platform: if it is there, it is not
        sent again. `answered` hears the outcome as soon as the platform gave it, before it
        is recorded (the pacer's spacing runs from then). Returns the outcome."""
        delivery, flags = await self._attempt(message, tenant)
        if answered is not None:
            answered(delivery)
        await self.finish(message, delivery, report, recorder=recorder, **flags)
        return delivery

    async def _attempt(
        self, message: ClaimedMessage, tenant: Tenant | None
    ) -> tuple[Delivery, dict[str, bool]]:
        """The platform's answer for one leased row, and how `finish` must record it."""
        if tenant is None or not tenant.active:
            return Delivery(DeliveryStatus.FAILED), {"cancel": True}
        messenger = self.messengers[message.platform]
        target = Target(TargetKind(message.target_kind), message.target_id)
        if message.reclaimed:
            try:
                found = await messenger.find_sent(tenant, target, message.delivery_key)
            except Exception as error:
                logger.warning("could not reconcile %s: %r", message.delivery_key, error)
                return Delivery(DeliveryStatus.RETRY, detail=f"reconcile: {error!r}"), {}
            if found is not None and found.status is DeliveryStatus.SENT:
                return found, {"reconciled": True}
            if found is not None and found.status is DeliveryStatus.RETRY:
                # The platform cannot say whether it has the message: ask again later.
                return replace(found, uncertain=True), {}
        try:
            delivery = await messenger.send(
                tenant, target, codec.loads(message.payload), delivery_key=message.delivery_key
            )
        except Exception as error:
            logger.warning("sending %s failed: %r", message.delivery_key, error)
            delivery = Delivery(DeliveryStatus.RETRY, detail=repr(error))
        return delivery, {}

    async def finish(
        self,
        message: ClaimedMessage,
        delivery: Delivery,
        report: SendReport,
        *,
        cancel: bool = False,
        reconciled: bool = False,
        recorder: _Recorder | None = None,
    ) -> None:
        """Record the outcome (through the drain's recorder when there is one)."""
        now = self.clock.now()
        retry_at = None
        uncertain = False
        if cancel:
            status = "cancelled"
        elif delivery.status is DeliveryStatus.SENT:
            status = "sent"
        elif delivery.status is DeliveryStatus.RETRY and message.attempt < self.config.max_attempts:
            status = "pending"
            backoff = self.config.retry_backoff * 2 ** (message.attempt - 1)
            wait = timedelta(seconds=delivery.retry_after) if delivery.retry_after else backoff
            retry_at = now + min(wait, MAX_BACKOFF)
            # The platform may have it: the next attempt reconciles first, like a takeover.
            uncertain = delivery.uncertain
        elif delivery.status is DeliveryStatus.BLOCKED:
            status = "blocked"
        else:
            status = "failed"
        outcome: dict[str, Any] = {
            "status": status,
            "now": now,
            "platform_message_id": delivery.platform_message_id,
            "detail": ("reconciled " if reconciled else "") + delivery.detail,
            "retry_at": retry_at,
            "uncertain": uncertain,
        }
        if recorder is not None:
            recorded = await recorder.record(message, outcome)
        else:
            async with transaction(self.engine) as work:
                recorded = await work.rituals.finish_outbox(message, self.owner, **outcome)
        if not recorded:
            logger.warning("lease on %s lost before its outcome was recorded", message.delivery_key)
            report.lost += 1
        elif reconciled:
            report.reconciled += 1
        elif status == "sent":
            report.sent += 1
        elif status == "pending":
            report.retried += 1
        elif status == "cancelled":
            report.cancelled += 1
        else:
            report.failed += 1


class _Recorder:
    """Writes the outcomes of concurrent sends together: whatever arrived while the previous
    transaction ran goes into the next one (one writer, fewer commits)."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.waiting: list[tuple[ClaimedMessage, dict[str, Any], asyncio.Future[bool]]] = []
        self.task: asyncio.Task[None] | None = None

    async def record(self, message: ClaimedMessage, outcome: dict[str, Any]) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.waiting.append((message, outcome, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._write(), name="rituals-outcomes")
        return await future

    async def _write(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting[:RECORD_BATCH], self.waiting[RECORD_BATCH:]
            try:
                async with transaction(self.sender.engine) as work:
                    recorded = await work.rituals.finish_outboxes(
                        self.sender.owner,
                        [OutboxOutcome(message, **outcome) for message, outcome, _ in batch],
                    )
            except BaseException as error:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            for message, _, future in batch:
                if not future.done():
                    future.set_result(message.id in recorded)

    async def close(self) -> None:
        """Let the outcomes already handed over reach the database."""
        if self.task is not None and not self.task.done():
            await asyncio.shield(self.task)


def _rows_ahead(interval: float) -> int:
    """Rows a workspace sending every `interval` seconds sends within `HOLD_AHEAD`, at least
    its next one (`MAX_HELD` for an unpaced platform)."""
    return MAX_HELD if interval <= 0 else max(1, math.floor(HOLD_AHEAD / interval))


class _Drain:
    """One drain: the per-workspace queues, the ready heap, the sends in flight."""

    def __init__(self, sender: Sender, report: SendReport, planning: PlanningFeed | None) -> None:
        self.sender = sender
        self.report = report
        self.planning = planning
        self.pacer = sender.pacer
        self.workspaces: dict[tuple[str, int], _Workspace] = {}
        self.heap: list[tuple[float, int, tuple[str, int]]] = []
        self.order = 0
        self.held = 0
        self.sends: set[asyncio.Task[None]] = set()
        self.exhausted = False
        self.rearmed = False
        """Something may have made rows claimable while a claim was running."""
        self.crashed: BaseException | None = None
        self.rounds = 0
        self.claim_at = 0.0
        """Monotonic instant before which no claim is made while rows are held."""
        self.recorder = _Recorder(sender)
        self.claiming: asyncio.Task[None] | None = None
        """The claim under way: sends keep starting while it reads and leases the next rows."""
        self._most: dict[str, int] = {}
        """Platform → the most rows a workspace of it is held (`_most_ahead`)."""

    # ------------------------------------------------------------------ loop

    async def run(self) -> None:
        try:
            await self._loop()
        finally:
            if self.planning is not None:
                self.planning.close()
            tasks = list(self.sends)
            if self.claiming is not None:
                tasks.append(self.claiming)
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            await self.recorder.close()

    async def _loop(self) -> None:
        while True:
            if self.crashed is not None:
                raise self.crashed
            self._start_ready_sends()
            if self.claiming is None:
                if self._may_claim():
                    self.claiming = asyncio.create_task(self._claim(), name="rituals-claim")
                elif self.planning is not None:
                    # Nothing to claim now, or ready rows go first: the planner goes on.
                    self.planning.claimed.set()
            if self.claiming is not None and not self.sends and not self.heap:
                await self._claimed()  # nothing else to do meanwhile
                continue
            if not self.sends and not self.heap and self.held == 0:
                if self.exhausted and (self.planning is None or self.planning.done):
                    return
                if self.rounds >= MAX_ROUNDS:
                    self.report.more = True
                    return
            await self._wait()

    def _may_claim(self) -> bool:
        if self.planning is not None and self.planning.queued.is_set():
            self.planning.queued.clear()
            self.exhausted = False
            self.rearmed = True
            self.claim_at = 0.0
        if self.exhausted or self.rounds >= MAX_ROUNDS or self.held >= MAX_HELD:
            return False
        if self.held == 0:
            return True
        return self.pacer.now() >= self.claim_at and not self._sends_waiting()

    def _sends_waiting(self) -> bool:
        """Workspaces whose turn has come wait for a free send: the rows held come before a
        claim (whose rows could only go after theirs)."""
        return (
            len(self.sends) >= MAX_SENDS_AT_ONCE
            and bool(self.heap)
            and self.heap[0][0] <= self.pacer.now()
        )

    async def _claimed(self) -> None:
        """Until the claim under way has ended (its failure ends the drain)."""
        claiming, self.claiming = self.claiming, None
        if claiming is not None:
            await claiming

    async def _wait(self) -> None:
        """Until a send or the claim ends, the next workspace's turn or claim comes, or the
        planner queues."""
        waiters: set[asyncio.Future[Any]] = set(self.sends)
        moments = []
        if self.heap and len(self.sends) < MAX_SENDS_AT_ONCE:
            moments.append(self.heap[0][0])
        claiming = self.claiming
        if claiming is not None:
            waiters.add(claiming)
        elif (
            not self.exhausted
            and self.rounds < MAX_ROUNDS
            and self.held < MAX_HELD
            and not self._sends_waiting()
        ):
            moments.append(self.claim_at)
        timer: asyncio.Future[None] | None = None
        if moments:
            delay = max(min(moments) - self.pacer.now(), 0.0)
            timer = asyncio.ensure_future(self.pacer.sleep(delay))
            waiters.add(timer)
        planned: asyncio.Task[bool] | None = None
        if self.planning is not None and not self.planning.done and claiming is None:
            planned = asyncio.create_task(self.planning.queued.wait())
            waiters.add(planned)
        if not waiters:  # pragma: no cover - the loop only waits with something to wait for
            return
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for helper in (timer, planned):
                if helper is not None and not helper.done():
                    helper.cancel()
        for task in [t for t in self.sends if t.done()]:
            self.sends.discard(task)
            task.result()  # a crash (or a bug) ends the drain, as it would end the process
        if self.claiming is not None and self.claiming.done():
            await self._claimed()

    # ------------------------------------------------------------------ claims

    def _ahead(self, platform: str, tenant_id: int) -> int:
        """Rows of this workspace worth holding: what its pace sends within `HOLD_AHEAD`, at
        least its next one (none while it is refused for longer than that and its spacing)."""
        base = self._base(platform)
        if base <= 0:
            return _rows_ahead(base)
        key = (platform, tenant_id)
        interval = self.pacer.interval(key, base)
        if self.pacer.blocked_for(key) > max(HOLD_AHEAD, interval):
            return 0
        return _rows_ahead(interval)

    def _most_ahead(self, platform: str) -> int:
        """The most rows `_ahead` gives a workspace of `platform` (at its declared pace: a
        learnt pace is never faster)."""
        most = self._most.get(platform)
        if most is None:
            most = self._most[platform] = _rows_ahead(self._base(platform))
        return most

    def _room(self, tenant_id: int, platform: str) -> int:
        """Rows of this workspace a claim may add (0 or less: none). A workspace holding its
        platform's most is full without looking at its pace: a claim asks this of every
        workspace under way, a thousand at a Monday's fan-out."""
        workspace = self.workspaces.get((platform, tenant_id))
        held = len(workspace.rows) + int(workspace.sending) if workspace else 0
        most = self._most_ahead(platform)
        if held >= most:
            return most - held
        return self._ahead(platform, tenant_id) - held

    def _base(self, platform: str) -> float:
        messenger = self.sender.messengers.get(platform)
        return declared_interval(messenger) if messenger is not None else 0.0

    async def _claim(self) -> None:
        self.rounds += 1
        full = {key[1] for key in self.workspaces if self._room(key[1], key[0]) <= 0}
        limit = min(self.sender.config.batch_size, MAX_HELD - self.held)
        self.rearmed = False
        batch = await self.sender.claim(limit, full, self._room, sweep=self.rounds == 1)
        if len(batch) < limit:
            # Room freed meanwhile (sends go on during a claim) is claimed after the pause.
            self.exhausted = not self.rearmed
            self.claim_at = self.pacer.now() + CLAIM_PAUSE
        claimed_at, claimed_at_mono = self.sender.clock.now(), self.pacer.now()
        lease_ends = claimed_at + self.sender.config.send_lease
        for message, tenant in batch:
            key = (message.platform, message.tenant_id)
            workspace = self.workspaces.get(key)
            if workspace is None:
                workspace = self.workspaces[key] = _Workspace(key, self._base(message.platform))
            early = (message.available_at - claimed_at).total_seconds()
            not_before = claimed_at_mono + early if early > 0 else -math.inf
            workspace.rows.append(_Held(message, tenant, lease_ends, not_before))
            self.held += 1
            if not workspace.scheduled:
                self._schedule(workspace)
        for (platform, tenant_id), workspace in self.workspaces.items():
            workspace.capped = workspace.capped or self._room(tenant_id, platform) <= 0

    def _schedule(self, workspace: _Workspace) -> None:
        workspace.scheduled = True
        self.order += 1
        heapq.heappush(self.heap, (self._ready_at(workspace), self.order, workspace.key))

    def _ready_at(self, workspace: _Workspace) -> float:
        """The monotonic instant the workspace's next row may go: when its pace allows, and
        not before the row's time (a row claimed `send_ahead` of it)."""
        ready = self.pacer.ready_at(workspace.key)
        return max(ready, workspace.rows[0].not_before) if workspace.rows else ready

    # ------------------------------------------------------------------ sends

    def _start_ready_sends(self) -> None:
        if self.crashed is not None:
            return
        now = self.pacer.now()
        while self.heap and self.heap[0][0] <= now and len(self.sends) < MAX_SENDS_AT_ONCE:
            _, _, key = heapq.heappop(self.heap)
            workspace = self.workspaces[key]
            ready = self._ready_at(workspace)
            if ready > now:  # its pace changed since it was queued (a refusal): later
                self.order += 1
                heapq.heappush(self.heap, (ready, self.order, key))
                continue
            task = asyncio.create_task(self._send_next(workspace))
            self.sends.add(task)

    async def _send_next(self, workspace: _Workspace) -> None:
        held = workspace.rows.popleft()
        self.held -= 1
        workspace.sending = True
        try:
            if self.sender.clock.now() + LEASE_MARGIN >= held.lease_ends:
                ending = Delivery(DeliveryStatus.RETRY, retry_after=1.0, detail="lease ending")
                await self._put_back(held, ending)
            else:

                def pace(answer: Delivery) -> None:
                    if answer.status is DeliveryStatus.RETRY and answer.retry_after is not None:
                        self.pacer.refused(workspace.key, workspace.interval, answer.retry_after)
                    else:
                        self.pacer.accepted(workspace.key, workspace.interval)

                delivery = await self.sender.deliver(
                    held.message, held.tenant, self.report, self.recorder, answered=pace
                )
                refused = (
                    delivery.status is DeliveryStatus.RETRY and delivery.retry_after is not None
                )
                if refused and workspace.interval > 0:
                    # The whole workspace waits: its rows go back.
                    while workspace.rows:
                        self.held -= 1
                        await self._put_back(workspace.rows.popleft(), delivery)
                    await self.sender.defer(workspace.key[1], workspace.key[0], delivery)
        except BaseException as error:
            # A crash (or a bug): nothing more is sent, as if the process had died here.
            self.crashed = self.crashed or error
            raise
        self._after_send(workspace)

    async def _put_back(self, held: _Held, why: Delivery) -> None:
        """Return a held row to the outbox untried, due when `why` says (Retry-After)."""
        await self.sender.finish(
            held.message, replace(why, uncertain=False), self.report, recorder=self.recorder
        )

    def _after_send(self, workspace: _Workspace) -> None:
        workspace.sending = False
        if workspace.capped:  # it has room again: its next rows may be claimed
            workspace.capped = False
            self.exhausted = False
            self.rearmed = True
        if workspace.rows:
            self._schedule(workspace)
        else:
            workspace.scheduled = False
            del self.workspaces[workspace.key]
