"""Planning a group of rituals reads what their messages need once for the group: the same
messages as reading ritual by ritual, and no more statements for more tenants."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.model import Tenant
from bot.requests import TenantRef
from rituals.definitions import Ritual
from rituals.group_reads import GroupCore, GroupRituals
from rituals.planner import compose_occurrence
from rituals.posts import Post
from rituals.schedule import next_occurrence
from rituals.transactions import Work, transaction
from tests.rituals.support import Harness, paris
from tests.support.chat import Chat
from tests.support.statements import recorded_statements


def chat_of(harness: Harness, external_id: str) -> Chat:
    return Chat(harness.engine, TenantRef("console", external_id, external_id.upper()))


async def companies(harness: Harness, names: list[str]) -> None:
    """Tenants unlike each other: two cap versions with an old acknowledgement, no cap at all,
    a quick win with results and a retex, a manager who read the cap."""
    for index, name in enumerate(names):
        chat = chat_of(harness, name)
        await chat.say("claire", "boussole role @marie manager")
        await chat.say("claire", "boussole role @karim manager")
        if index % 3 == 1:
            continue  # no cap: the reminder goes to the directors
        await chat.say("claire", f"cap définir Cap {index}, première version.")
        await chat.click("marie", "cap.ack", "1")
        if index % 3 == 2:
            await chat.say("claire", f"cap définir Cap {index}, deuxième version.")
        await chat.say(
            "claire",
            'qw ajouter "Relances auto" kpi="Délai" base=52 cible=30 échéance=2026-06-30',
        )
        await chat.say("marie", "qw saisir 1 45")
        await chat.say("karim", "retex Les relances automatiques ont libéré une matinée.")


async def compose_each(
    work: Work, rituals: list[Ritual], tenants: dict[int, Tenant], now: datetime
) -> list[list[Post]]:
    """Each ritual's next occurrence after `now`, composed with `work`'s repositories."""
    composed = []
    for ritual in rituals:
        tenant = tenants[ritual.record.tenant_id]
        occurrence = next_occurrence(ritual.schedule, ritual.timezone(tenant), now)
        composed.append(
            await compose_occurrence(work, tenant, ritual, occurrence, occurrence.at, False)
        )
    return composed


async def test_composing_with_the_group_reads_gives_the_same_messages(harness: Harness) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await companies(harness, ["alpha", "beta", "gamma", "delta"])
    await harness.run()  # welcome: each tenant gets the default rituals
    now = harness.clock.now()
    async with transaction(harness.database.engine) as plain:
        tenants = await plain.rituals.tenants(await plain.rituals.tenant_ids())
        rituals = [Ritual.of(record) for record in await plain.rituals.live_rituals()]
        expected = await compose_each(plain, rituals, tenants, now)
    assert len(rituals) == 5 * len(tenants) and all(expected[:5])

    async with harness.database.engine.begin() as connection:
        core = GroupCore(connection)
        await core.read_ahead(tenants)
        composed = await compose_each(Work(core, GroupRituals(connection)), rituals, tenants, now)
    assert composed == expected


async def test_the_previous_posts_read_together_are_those_read_one_by_one(
    harness: Harness,
) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await companies(harness, ["alpha", "beta"])
    await harness.run_until(paris(2026, 3, 17, 9, 0), timedelta(minutes=45))
    async with transaction(harness.database.engine) as work:
        records = await work.rituals.live_rituals()
        times = (paris(2026, 3, 9, 9, 5), paris(2026, 3, 16, 9, 5), paris(2027, 1, 1, 0))
        wanted = [(record.id, at) for record in records for at in times]
        wanted.append(wanted[0])  # asked twice: answered once
        one_by_one = {pair: await work.rituals.last_posted(*pair) for pair in wanted}
        together = await work.rituals.last_posted_each(wanted)
    assert together == one_by_one
    posted = [record for record in together.values() if record is not None]
    # alpha: cap reminder (twice), nudge, progress; beta has no cap, so no nudge
    assert len({record.ritual_id for record in posted}) == 5
    assert len({record.id for record in posted}) == 7
    assert sum(record is None for record in together.values()) > 0


async def test_the_group_reads_leave_other_tenants_and_older_caps_to_the_database(
    harness: Harness,
) -> None:
    harness.clock.set(paris(2026, 3, 9, 8, 0))
    await companies(harness, ["alpha", "beta", "gamma"])
    async with harness.database.engine.begin() as connection:
        plain = GroupCore(connection)  # nothing read ahead: every answer comes from the database
        ids = await GroupRituals(connection).tenant_ids()
        grouped = GroupCore(connection)
        await grouped.read_ahead(await GroupRituals(connection).tenants(ids[:2]))
        for tenant_id in ids:
            assert await grouped.get_tenant(tenant_id) == await plain.get_tenant(tenant_id)
            cap = await plain.current_cap(tenant_id)
            assert await grouped.current_cap(tenant_id) == cap
            assert await grouped.list_members(tenant_id) == await plain.list_members(tenant_id)
            for member in await plain.list_members(tenant_id):
                found = await grouped.get_member_by_id(tenant_id, member.id)
                assert found == member
            if cap is not None:
                for version in (cap.id, cap.id - 1):
                    acks = await plain.cap_acks(tenant_id, version)
                    assert await grouped.cap_acks(tenant_id, version) == acks
        assert await grouped.get_member_by_id(ids[0], 10_000) is None


async def test_planning_more_tenants_at_once_runs_no_more_statements(harness: Harness) -> None:
    """The Monday cap reminders of 2 tenants, then of 6, each planned in one group."""
    statements: list[str] = []  # those of the last planning, shown if the counts differ

    async def statements_of_monday_nine(monday: int) -> int:
        harness.clock.set(paris(2026, 3, monday, 8, 0))
        await harness.clock_a.planner.plan(harness.clock.now())  # welcome the new tenants
        harness.clock.set(paris(2026, 3, monday, 9, 0, 30))
        with recorded_statements(harness.database.engine) as recorded:
            report = await harness.clock_a.planner.plan(harness.clock.now())
        statements[:] = recorded
        assert report.queued == len(await tenant_ids(harness)), report
        return len(statements)

    await companies(harness, ["t1", "t2"])
    for_two = await statements_of_monday_nine(9)
    await companies(harness, ["t3", "t4", "t5", "t6"])
    for_six = await statements_of_monday_nine(16)
    assert for_six == for_two, "\n".join(
        s.split("\n")[0][:90] + " ... " + s[-60:].replace("\n", " ") for s in statements
    )


async def tenant_ids(harness: Harness) -> list[int]:
    async with transaction(harness.database.engine) as work:
        return await work.rituals.tenant_ids()
