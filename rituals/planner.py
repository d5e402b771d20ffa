"""The tick: claims each due occurrence once and queues its messages, or records why it was not posted."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.model import Tenant
from rituals import codec
from rituals.config import RitualConfig
from rituals.definitions import Ritual, ensure_defaults
from rituals.group_reads import GroupCore, GroupRituals
from rituals.idle_watermarks import IdleWatermarks, Lagging
from rituals.live import live_pages
from rituals.next_runs import NextRuns
from rituals.posts import Moment, Post, compose
from rituals.public_holidays import holiday_name
from rituals.schedule import Occurrence, next_occurrence, occurrences
from rituals.transactions import Work, transaction
from storage.ritual_repository import OccurrenceClaim, OccurrenceRecord, OutboxDraft, RitualRecord

logger = logging.getLogger(__name__)

QUEUED, MISSED, SKIPPED, CANCELLED = "queued", "missed", "skipped", "cancelled"
WATERMARK_WRITES = 500
"""Quiet rituals' watermarks written in one transaction at most."""
UPCOMING_LOOKAHEAD = 200
"""How many occurrences `upcoming` looks through for one that is not skipped."""
PLAN_GROUP = 100
"""Due rituals planned in one transaction (each locked, decided and queued); the sender is
told after each group, so the first messages leave while the rest is planned. Groups of 20
made planning 1,000 Monday reminders take 5.7 s beside the sends instead of 3.1 s (each group
waits for the drain's claim), and the last workspace's first post wait as long."""


@dataclass(slots=True)
class PlanReport:
    queued: int = 0
    missed: int = 0
    skipped: int = 0
    messages: int = 0

    def add(self, other: PlanReport) -> None:
        self.queued += other.queued
        self.missed += other.missed
        self.skipped += other.skipped
        self.messages += other.messages


class Planner:
    """Finds the occurrences due since each ritual's watermark and decides each exactly once.

    Within the grace period an occurrence is queued (marked late if past its time); beyond it,
    it is recorded missed. Holidays and `rituel sauter` record it skipped. The decision and the
    outbox rows are written with the claim, in one transaction, under a unique key.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        config: RitualConfig,
        next_runs: NextRuns | None = None,
        watermarks: IdleWatermarks | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.next_runs = next_runs or NextRuns()
        self.watermarks = watermarks or IdleWatermarks()

    async def plan(
        self, now: datetime, on_queued: Callable[[], Awaitable[None]] | None = None
    ) -> PlanReport:
        """Welcome new tenants, then plan every live ritual, a page at a time (`live_pages`):
        the ones due by `now` plus the lead (`RitualConfig.lead`) are locked and decided in
        groups of `PLAN_GROUP` per transaction (`on_queued` is awaited after each group that
        queued); paused rituals and those of inactive tenants have their watermark moved (in
        bulk); the quiet ones (nothing due) are remembered as checked (`IdleWatermarks`), their
        stored watermark written in bulk when it lags, on a tick that queued nothing (a busy
        tick leaves it for a quiet one)."""
        until = now + self.config.lead
        await self.welcome_new_tenants(now)
        report = PlanReport()
        lagging: list[Lagging] = []
        async for records, tenants in live_pages(self.engine):
            split = split_due(records, tenants, until, self.next_runs, self.watermarks)
            lagging += self.watermarks.checked(split.quiet, until)
            if split.held or split.gone:
                async with transaction(self.engine) as work:
                    if split.gone:
                        await work.rituals.cancel_pending_of_tenants(
                            split.gone, reason="tenant inactive"
                        )
                    await work.rituals.advance_watermarks(split.held, now)
            for start in range(0, len(split.due), PLAN_GROUP):
                group = [record.id for record in split.due[start : start + PLAN_GROUP]]
                done = await self._plan_group_or_each(group, now, until)
                report.add(done)
                if done.messages and on_queued is not None:
                    await on_queued()
        if lagging and not report.queued:
            for start in range(0, len(lagging), WATERMARK_WRITES):
                async with transaction(self.engine) as work:
                    await work.rituals.advance_watermarks(
                        lagging[start : start + WATERMARK_WRITES], now
                    )
        return report

    async def _plan_group_or_each(
        self, group: list[int], now: datetime, until: datetime
    ) -> PlanReport:
        """`plan_group`; if the group fails, each ritual alone (one failing ritual does not
        hold the others back; it is retried on the next tick)."""
        try:
            return await self.plan_group(group, now, until)
        except Exception:
            logger.warning("planning rituals %s together failed; one by one", group)
        done = PlanReport()
        for ritual_id in group:
            try:
                done.add(await self.plan_group([ritual_id], now, until))
            except Exception:
                logger.exception(
                    "planning ritual %s failed; it is retried on the next tick", ritual_id
                )
        return done

    async def plan_group(
        self, ritual_ids: Sequence[int], now: datetime, until: datetime
    ) -> PlanReport:
        """Lock and plan these rituals' occurrences up to `until` (`now` plus the lead) in one
        transaction: one statement locks them, one reads their tenants, a few read what their
        messages need for the whole group (`rituals.group_reads`), one queues them all, one
        moves their watermarks."""
        report = PlanReport()
        async with self.engine.begin() as connection:
            core, rituals = GroupCore(connection), GroupRituals(connection)
            work = Work(core, rituals)
            records = await rituals.lock_rituals(ritual_ids)
            tenants = await rituals.tenants({record.tenant_id for record in records.values()})
            await core.read_ahead(tenants)
            await rituals.read_ahead(
                single_due(records.values(), tenants, until, self.watermarks.since)
            )
            planned: list[int] = []
            deferred: list[Deferred] = []
            for ritual_id in ritual_ids:
                record = records.get(ritual_id)
                if record is not None and record.deleted_at is None:
                    report.add(
                        await self.plan_ritual(
                            work, record, now, until, watermarks=planned, deferred=deferred
                        )
                    )
            report.add(await store_all(work, deferred, now))
            await work.rituals.advance_watermark_of(planned, until)
        return report

    async def welcome_new_tenants(self, now: datetime) -> int:
        """Create the default rituals of every active tenant the rituals layer has not seen."""
        async with transaction(self.engine) as work:
            new = await work.rituals.tenants_without_rituals()
        created = 0
        for tenant_id in new:
            async with transaction(self.engine) as work:
                tenant = await work.core.get_tenant(tenant_id)
                if tenant is not None and await ensure_defaults(
                    work.rituals, tenant, self.default_channel(tenant), now
                ):
                    created += 1
        return created

    def default_channel(self, tenant: Tenant) -> str:
        return self.config.default_channels.get(tenant.platform, "")

    async def plan_ritual(
        self,
        work: Work,
        record: RitualRecord,
        now: datetime,
        until: datetime,
        *,
        watermarks: list[int] | None = None,
        deferred: list[Deferred] | None = None,
    ) -> PlanReport:
        """Decide the ritual's occurrences up to `until` (`now` plus the lead: those after
        `now` are planned ahead, their messages due at their time) and move its watermark
        (or, with `watermarks`, add its id there for the caller to move them together). With
        `deferred`, a ritual's single queued occurrence is added there for the caller to store
        with others (`store_all`); what other composers read (missed runs, a ritual's own
        previous post) is stored at once as before."""
        report = PlanReport()
        tenant = await work.core.get_tenant(record.tenant_id)
        if tenant is None or not tenant.active:
            await work.rituals.cancel_pending(tenant_id=record.tenant_id, reason="tenant inactive")
            await work.rituals.advance_watermark(record.id, now)
            return report
        if not record.enabled:
            await work.rituals.advance_watermark(record.id, now)
            return report
        ritual = Ritual.of(record)
        timezone = ritual.timezone(tenant)
        skip_used = False
        due = occurrences(ritual.schedule, timezone, self.watermarks.since(record), until)
        for occurrence in due:
            skip_used |= record.skip_local == occurrence.local
            later = deferred if len(due) == 1 else None
            decided = await self.decide(work, tenant, ritual, occurrence, now, deferred=later)
            report.add(decided)
        stale = record.skip_local is not None and (
            skip_used or next_occurrence(ritual.schedule, timezone, now).local > record.skip_local
        )
        if stale:
            await work.rituals.update_ritual(
                record.tenant_id, record.id, record.updated_at, skip_local=None
            )
        if watermarks is None:
            await work.rituals.advance_watermark(record.id, until)
        else:
            watermarks.append(record.id)
        return report

    async def decide(
        self,
        work: Work,
        tenant: Tenant,
        ritual: Ritual,
        occurrence: Occurrence,
        now: datetime,
        *,
        deferred: list[Deferred] | None = None,
    ) -> PlanReport:
        """Claim one scheduled occurrence with its fate; queue its messages if it is posted
        (a queued one, with `deferred`, is left there for `store_all`)."""
        reason = skip_reason(ritual, tenant, occurrence)
        posts: list[Post] = []
        late = now - occurrence.at > self.config.on_time
        if reason:
            status = SKIPPED
        elif now - occurrence.at > self.config.grace:
            status, reason = MISSED, "beyond grace period"
        else:
            posts = await compose_occurrence(work, tenant, ritual, occurrence, now, late)
            status, reason = (QUEUED, "late" if late else "") if posts else (SKIPPED, "nobody")
        claim = OccurrenceClaim(
            ritual_id=ritual.id,
            kind=ritual.kind.value,
            scheduled_local=occurrence.local,
            scheduled_at=occurrence.at,
            status=status,
            late=late and status == QUEUED,
            reason=reason,
        )
        if deferred is not None and status == QUEUED:
            deferred.append(Deferred(tenant, claim, posts))
            return PlanReport()
        claimed = await store(work, tenant, claim, posts, now)
        if claimed is None:
            return PlanReport()
        return PlanReport(
            queued=int(status == QUEUED),
            missed=int(status == MISSED),
            skipped=int(status == SKIPPED),
            messages=len(posts),
        )


async def queue_now(
    work: Work, tenant: Tenant, record: RitualRecord, now: datetime
) -> tuple[OccurrenceRecord | None, int]:
    """`rituel maintenant`: one extra occurrence at this second, queued at once.

    None when the same ritual was already started at this very second.
    """
    ritual = Ritual.of(record)
    timezone = ritual.timezone(tenant)
    local = now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None, microsecond=0)
    posts = await compose_occurrence(work, tenant, ritual, Occurrence(local, now), now, False)
    claim = OccurrenceClaim(
        ritual_id=ritual.id,
        kind=ritual.kind.value,
        scheduled_local=local,
        scheduled_at=now,
        status=QUEUED if posts else SKIPPED,
        manual=True,
        reason="manual" if posts else "nobody",
    )
    return await store(work, tenant, claim, posts, now), len(posts)


async def compose_occurrence(
    work: Work,
    tenant: Tenant,
    ritual: Ritual,
    occurrence: Occurrence,
    now: datetime,
    late: bool,
) -> list[Post]:
    """The posts of an occurrence; "since the last post" is this ritual's previous queued run."""
    previous = await work.rituals.last_posted(ritual.id, occurrence.at)
    moment = Moment(
        scheduled_at=occurrence.at,
        now=now,
        timezone=ritual.timezone(tenant),
        late=late,
        previous_post=previous.scheduled_at if previous else None,
    )
    return await compose(work.core, tenant, ritual, moment)


async def store(
    work: Work, tenant: Tenant, claim: OccurrenceClaim, posts: list[Post], now: datetime
) -> OccurrenceRecord | None:
    """Claim the occurrence and queue its posts, or nothing if it was already claimed."""
    claimed = await work.rituals.claim_occurrence(tenant.id, claim, now)
    if claimed is None:  # another clock (or a DST double fire) got there first
        return None
    drafts = drafts_of(tenant, posts)
    await work.rituals.add_outbox(tenant.id, claimed.id, drafts, now, due=claim.scheduled_at)
    return claimed


@dataclass(frozen=True, slots=True)
class Split:
    """A page of live rituals as one tick sees them (`split_due`)."""

    due: list[RitualRecord]
    """To lock and plan."""
    quiet: list[RitualRecord]
    """Enabled, of an active tenant, nothing due: checked, their watermark left in memory."""
    held: list[RitualRecord]
    """Paused, or of an inactive tenant: their watermark moves now."""
    gone: list[int]
    """Inactive tenants (their pending messages are cancelled)."""


def split_due(
    records: Sequence[RitualRecord],
    tenants: dict[int, Tenant],
    now: datetime,
    next_runs: NextRuns,
    watermarks: IdleWatermarks,
) -> Split:
    """Due: an enabled ritual of an active tenant with an occurrence since its watermark (as
    far as this clock has checked it, `IdleWatermarks.since`), or with a skipped run to
    forget. Paused rituals and those of inactive tenants only move their watermark (and the
    tenants' pending messages are cancelled), as planning them would.
    """
    split = Split([], [], [], [])
    gone: set[int] = set()
    for record in records:
        tenant = tenants.get(record.tenant_id)
        if tenant is None or not tenant.active:
            gone.add(record.tenant_id)
            split.held.append(record)
        elif not record.enabled:
            split.held.append(record)
        else:
            forget_skip = record.skip_local is not None
            fires = forget_skip or next_runs.fires_between(
                record, tenant, watermarks.since(record), now
            )
            (split.due if fires else split.quiet).append(record)
    split.gone.extend(sorted(gone))
    return split


def single_due(
    records: Iterable[RitualRecord],
    tenants: Mapping[int, Tenant],
    now: datetime,
    since: Callable[[RitualRecord], datetime],
) -> dict[int, datetime]:
    """Ritual id → the time of its occurrence, for the rituals with exactly one occurrence
    due since `since(ritual)` (`plan_ritual` decides whether it is planned at all)."""
    single: dict[int, datetime] = {}
    for record in records:
        tenant = tenants.get(record.tenant_id)
        if tenant is not None:
            ritual = Ritual.of(record)
            due = occurrences(ritual.schedule, ritual.timezone(tenant), since(record), now)
            if len(due) == 1:
                single[record.id] = due[0].at
    return single


@dataclass(frozen=True, slots=True)
class Deferred:
    """A queued occurrence decided but not stored yet (see `store_all`)."""

    tenant: Tenant
    claim: OccurrenceClaim
    posts: list[Post]


async def store_all(work: Work, deferred: Sequence[Deferred], now: datetime) -> PlanReport:
    """`store` for several queued occurrences: one INSERT claims them all (those already
    claimed elsewhere are left out, with their messages), one queues their messages."""
    if not deferred:
        return PlanReport()
    claimed = await work.rituals.claim_occurrences(
        [(item.tenant.id, item.claim) for item in deferred], now
    )
    report = PlanReport()
    queued: list[tuple[int, int, list[OutboxDraft]]] = []
    due: dict[int, datetime] = {}
    for item in deferred:
        record = claimed.get((item.claim.ritual_id, item.claim.scheduled_local))
        if record is None:  # another clock (or a DST double fire) got there first
            continue
        queued.append((item.tenant.id, record.id, drafts_of(item.tenant, item.posts)))
        due[record.id] = record.scheduled_at
        report.add(PlanReport(queued=1, messages=len(item.posts)))
    await work.rituals.add_outboxes(queued, now, due=due)
    return report


def drafts_of(tenant: Tenant, posts: Sequence[Post]) -> list[OutboxDraft]:
    """The outbox rows of an occurrence's posts; a message posted to several people (the same
    object) is encoded once."""
    payloads: dict[int, str] = {}
    drafts: list[OutboxDraft] = []
    for post in posts:
        payload = payloads.get(id(post.message))
        if payload is None:
            payload = payloads[id(post.message)] = codec.dumps(post.message)
        drafts.append(
            OutboxDraft(
                platform=tenant.platform,
                target_kind=post.target.kind.value,
                target_id=post.target.id,
                payload=payload,
            )
        )
    return drafts


def skip_reason(ritual: Ritual, tenant: Tenant, occurrence: Occurrence) -> str:
    """Why this occurrence is skipped ("skip", "holiday: Lundi de Pâques"), or ""."""
    if ritual.record.skip_local == occurrence.local:
        return "skip"
    country = ritual.holiday_country(tenant)
    if country:
        name = holiday_name(occurrence.local.date(), country, tenant.locale)
        if name:
            return f"holiday: {name}"
    return ""


def upcoming(ritual: Ritual, tenant: Tenant, after: datetime) -> Occurrence | None:
    """The next occurrence after `after` that will really post: holidays and a skipped run
    left out. One planned ahead already (`RitualConfig.lead`) counts: it posts at its time,
    and a change to the ritual plans it again."""
    timezone = ritual.timezone(tenant)
    moment = after
    for _ in range(UPCOMING_LOOKAHEAD):
        occurrence = next_occurrence(ritual.schedule, timezone, moment)
        if not skip_reason(ritual, tenant, occurrence):
            return occurrence
        moment = occurrence.at
    return None
