"""Test helpers of the rituals layer: a recording Messenger and a harness around one tenant."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.delivery import Delivery, DeliveryStatus, Messenger, Target
from bot.engine import Engine
from bot.messages import Message
from bot.model import Tenant
from bot.requests import TenantRef
from rituals.commands import RitualCommand
from rituals.config import RitualConfig
from rituals.pacing import Pacer
from rituals.scheduler import RitualScheduler
from rituals.sender import Sender
from rituals.service import RitualService, RunReport
from rituals.transactions import transaction
from storage.database import Database
from storage.models import TenantRow
from storage.ritual_repository import OccurrenceRecord, OutboxRecord
from tests.support.chat import Chat
from tests.support.clock import FakeClock


class SimulatedCrash(BaseException):
    """The process dies here: nothing after this point runs (not caught by `except Exception`)."""


@dataclass(frozen=True, slots=True)
class Sent:
    tenant: str
    target: Target
    message: Message
    delivery_key: str


class RecordingMessenger:
    """A platform's edge that records every post; it can crash right after or before a send."""

    send_interval = 0.0

    def __init__(self, platform: str = "console") -> None:
        self.platform = platform
        self.posts: list[Sent] = []
        self.crash_after_send = False
        self.crash_before_send = False
        self.lookups = 0

    async def send(
        self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
    ) -> Delivery:
        await asyncio.sleep(0)  # a real network call yields: let concurrent senders interleave
        if self.crash_before_send:
            raise SimulatedCrash(delivery_key)
        self.posts.append(Sent(tenant.external_id, target, message, delivery_key))
        if self.crash_after_send:
            raise SimulatedCrash(delivery_key)
        return Delivery(DeliveryStatus.SENT, platform_message_id=f"m{len(self.posts)}")

    async def find_sent(self, tenant: Tenant, target: Target, delivery_key: str) -> Delivery | None:
        self.lookups += 1
        for position, post in enumerate(self.posts, start=1):
            if post.delivery_key == delivery_key:
                return Delivery(DeliveryStatus.SENT, platform_message_id=f"m{position}")
        return None

    def to(self, target_id: str) -> list[Sent]:
        return [post for post in self.posts if post.target.id == target_id]

    def of_kind(self, kind: str) -> list[Sent]:
        return [post for post in self.posts if post.message.kind == kind]


PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Paris wall time as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS).astimezone(UTC)


@dataclass
class Harness:
    """One tenant ("console"/"acme") on a real database, the real Engine with the `rituel`
    command, a fake clock and a recording messenger."""

    database: Database
    clock: FakeClock
    messenger: RecordingMessenger = field(default_factory=RecordingMessenger)
    config: RitualConfig = field(default_factory=RitualConfig)

    def __post_init__(self) -> None:
        self.command = RitualCommand(self.config)
        self.engine = Engine(
            self.database.store,
            self.clock,
            extra_commands={"rituel": self.command, "ritual": self.command},
        )
        self.chat = Chat(self.engine)
        self.clock_a = self.service("clock-a")

    def service(
        self, holder: str, messengers: Mapping[str, Messenger] | None = None
    ) -> RitualService:
        chosen = {self.messenger.platform: self.messenger} if messengers is None else messengers
        return RitualService(self.database.engine, chosen, self.clock, self.config, holder)

    async def run(self) -> RunReport:
        return await self.clock_a.run_due()

    async def run_until(self, end: datetime, step: timedelta) -> None:
        """Move the clock to `end` in steps, running the rituals at each step."""
        while self.clock.now() < end:
            self.clock.set(min(self.clock.now() + step, end))
            await self.run()

    async def say(self, who: str, text: str) -> str:
        reply = await self.chat.say(who, text)
        return "\n".join(message.text for message in reply.messages)

    async def company(self, managers: tuple[str, ...] = ("marie", "karim")) -> None:
        """Claire (director), managers, a cap: the tenant the defaults are made for."""
        await self.say("claire", "cap définir Devenir la PME de référence à l'export.")
        for name in managers:
            await self.say("claire", f"boussole role @{name} manager")

    async def only(self, line: str) -> None:
        """Replace the default rituals by the one `rituel ajouter ...` describes."""
        for number in range(1, 6):
            await self.say("claire", f"rituel supprimer {number}")
        answer = await self.say("claire", f"rituel ajouter {line}")
        assert "⚠️" not in answer, answer

    async def uninstall(self) -> None:
        async with self.database.engine.begin() as connection:
            await connection.execute(update(TenantRow).values(active=False))

    async def occurrences(self, number: int = 1) -> list[OccurrenceRecord]:
        """The claimed occurrences of ritual `number` of the (only) tenant."""
        async with transaction(self.database.engine) as work:
            (tenant_id,) = await work.rituals.tenant_ids()
            record = await work.rituals.get_ritual(tenant_id, number)
            assert record is not None
            return await work.rituals.occurrences(record.id)

    async def outbox(self) -> list[OutboxRecord]:
        async with transaction(self.database.engine) as work:
            return await work.rituals.outbox()


async def queue_monday_reminders(harness: Harness, managers: tuple[str, ...]) -> None:
    """Plan (without sending) the Monday 09:00 cap reminder: one message per manager."""
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company(managers)
    await harness.clock_a.planner.plan(harness.clock.now())
    harness.clock.set(paris(2026, 3, 9, 9, 0, 30))
    report = await harness.clock_a.planner.plan(harness.clock.now())
    assert report.messages == len(managers)


class ManualTime:
    """A monotonic clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class PacedMessenger(RecordingMessenger):
    """Asks for one send per second per workspace; notes the manual time of each send and may
    refuse the first one with a 429."""

    send_interval = 1.0

    def __init__(self, time: ManualTime, *, refuse_first_for: float | None = None) -> None:
        super().__init__()
        self.time = time
        self.sent_at: list[float] = []
        self.attempts: list[str] = []
        self.refuse_first_for = refuse_first_for

    async def send(
        self, tenant: Tenant, target: Target, message: Message, *, delivery_key: str
    ) -> Delivery:
        self.attempts.append(target.id)
        if self.refuse_first_for is not None:
            retry_after, self.refuse_first_for = self.refuse_first_for, None
            return Delivery(DeliveryStatus.RETRY, retry_after=retry_after, detail="ratelimited")
        self.sent_at.append(self.time.now)
        return await super().send(tenant, target, message, delivery_key=delivery_key)


class HalfSecondMessenger(PacedMessenger):
    send_interval = 0.5


def paced_sender(harness: Harness, messenger: PacedMessenger, time: ManualTime) -> Sender:
    return Sender(
        harness.database.engine,
        {"console": messenger},
        harness.clock,
        "paced",
        harness.config,
        pacer=Pacer(now=time.monotonic, sleep=time.sleep),
    )


WORKSPACES = ("alpha", "beta", "gamma", "delta")


async def three_reminders_each(harness: Harness) -> None:
    """The Monday cap reminder of each of `WORKSPACES`, queued: three managers, three rows in a
    row."""
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    for name in WORKSPACES:
        chat = Chat(harness.engine, TenantRef("console", name, name.upper()))
        for manager in ("marie", "karim", "lea"):
            await chat.say("claire", f"boussole role @{manager} manager")
        await chat.say("claire", f"cap définir Le cap de {name}.")
    await harness.clock_a.planner.plan(harness.clock.now())
    harness.clock.set(paris(2026, 3, 9, 9, 0, 5))
    report = await harness.clock_a.planner.plan(harness.clock.now())
    assert report.messages == 3 * len(WORKSPACES)


NINE = paris(2026, 3, 9, 9, 0)
"""Monday 9 March 2026 09:00 (Paris), the cap reminder's time."""


async def plan_ahead(harness: Harness) -> None:
    """The company, then a tick 8 s before 09:00 (a harness with a lead of 8 s or more): the
    reminder is planned, not sent."""
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await harness.company()
    await harness.run()
    harness.clock.set(NINE - timedelta(seconds=8))
    report = await harness.run()
    assert (report.plan.queued, report.plan.messages, report.send.sent) == (1, 2, 0)


async def next_due(harness: Harness, ahead: timedelta = timedelta(0)) -> datetime | None:
    """When the console's outbox next has a row to claim, claiming `ahead` of rows' times."""
    async with transaction(harness.database.engine) as work:
        return await work.rituals.next_available(["console"], harness.clock.now(), ahead)


@contextlib.asynccontextmanager
async def running_scheduler(harness: Harness) -> AsyncIterator[RitualScheduler]:
    """The harness's clock under a started scheduler (heartbeat 1 h, on the test clock), its
    first run settled; stopped at the end."""
    scheduler = RitualScheduler(
        harness.clock_a, timedelta(hours=1), poke_again=0, wall=harness.clock.now
    )
    await scheduler.start()
    try:
        await scheduler.settled()
        yield scheduler
    finally:
        await scheduler.stop()


async def ring(scheduler: RitualScheduler, job_id: str) -> None:
    """What APScheduler does when the job's time comes, then wait for the run to end."""
    job = scheduler._scheduler.get_job(job_id)  # the test plays APScheduler
    assert job is not None
    await job.func()
    await scheduler.settled()
