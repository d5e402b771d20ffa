"""The read models (`SqlRepository.kpi_snapshot`, `home_snapshot`) and what they feed
(`kpi_summary`, `home_message`), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

import rituals.texts  # noqa: F401  (registers the ritual kinds' names, as the app does)
from bot import actions, formatting
from bot.context import Context as CommandContext
from bot.figures import figures
from bot.home import home_message
from bot.i18n import translate
from bot.kpi_snapshot import HomeSnapshot, KpiSnapshot
from bot.messages import (
    Block,
    Button,
    Buttons,
    ButtonStyle,
    Context,
    Divider,
    Heading,
    Message,
    Paragraph,
    Visibility,
)
from bot.model import Locale, Member, QuickWin, QuickWinDraft, QuickWinState, Role, Tenant
from bot.ports import Repository
from bot.summaries import (
    RECENT_MEASUREMENTS,
    RETEX_HIGHLIGHTS,
    RETEX_WINDOW,
    cap_readers,
    kpi_summary,
    member_names,
    retex_line,
)
from bot.views.quickwins import progress_block, summary_line
from storage.database import Database, SqlStore
from storage.repository import SqlRepository
from storage.ritual_repository import OccurrenceClaim, RitualDraft, RitualRepository
from tests.support.statements import recorded_statements

NOW = datetime(2026, 5, 4, 7, 30, tzinfo=UTC)
SINCE = NOW - RETEX_WINDOW


@dataclass(frozen=True)
class Seeded:
    """Tenant A with every kind of figure, tenant B with its own look-alike data, tenant C empty."""

    a: Tenant
    b: Tenant
    c: Tenant
    q1: QuickWin
    q2: QuickWin
    q4: QuickWin


def draft(tenant: Tenant, owner: Member, title: str, created: datetime) -> QuickWinDraft:
    return QuickWinDraft(
        tenant_id=tenant.id,
        title=title,
        kpi="Délai moyen de paiement",
        unit="jours",
        baseline=Decimal("52.5"),
        target=Decimal("10.25"),
        due=date(2026, 4, 30),
        owner_id=owner.id,
        created_by=owner.id,
        created_at=created,
    )


async def missed(
    rituals: RitualRepository, tenant: Tenant, kind: str, at: datetime, status: str = "missed"
) -> None:
    ritual = await rituals.add_ritual(
        tenant.id, RitualDraft(kind, "lundi 09:00", "role", "manager"), NOW - timedelta(days=90)
    )
    claim = OccurrenceClaim(ritual.id, kind, at.replace(tzinfo=None), at, status)
    assert await rituals.claim_occurrence(tenant.id, claim, at) is not None


async def seed_tenant(repo: SqlRepository, external_id: str, locale: Locale) -> Tenant:
    tenant, _ = await repo.get_or_create_tenant(
        "slack", external_id, f"PME {external_id}", locale, "Europe/Paris"
    )
    return tenant


@pytest.fixture
async def seeded(store: SqlStore) -> Seeded:
    start = NOW - timedelta(days=60)
    async with store.transaction() as repo:
        rituals = RitualRepository(repo.connection)
        a = await seed_tenant(repo, "TA", Locale.FR)
        b = await seed_tenant(repo, "TB", Locale.EN)
        c = await seed_tenant(repo, "TC", Locale.FR)
        director = await repo.add_member(a.id, "UA0", "Claire", Role.DIRECTOR)
        marie = await repo.add_member(a.id, "UA1", "Marie", Role.MANAGER)
        paul = await repo.add_member(a.id, "UA2", "Paul", Role.MANAGER)
        karim = await repo.add_member(a.id, "UA3", "Karim", Role.MANAGER)
        zoe = await repo.add_member(a.id, "UA4", "Zoé", Role.MEMBER)
        old_cap = await repo.add_cap_version(a.id, "Ancien cap", director.id, start)
        cap = await repo.add_cap_version(a.id, "Exporter plus", director.id, start)
        await repo.ack_cap(a.id, old_cap.id, paul.id, start)  # an older version: not counted
        await repo.ack_cap(a.id, cap.id, marie.id, start)
        await repo.ack_cap(a.id, cap.id, karim.id, start)
        await repo.ack_cap(a.id, cap.id, zoe.id, start)  # not a manager: not counted
        await repo.ack_cap(a.id, cap.id, director.id, start)

        q1 = await repo.add_quick_win(draft(a, marie, "Relance factures", start))
        q2 = await repo.add_quick_win(draft(a, paul, "Jamais mesuré", start))
        q3 = await repo.add_quick_win(draft(a, paul, "Fermé", start))
        q4 = await repo.add_quick_win(draft(a, karim, "Deux mesures", start))
        for day in range(11):  # more than RECENT_MEASUREMENTS, stored out of order
            day = (day * 7) % 11
            value = Decimal("52.5") - Decimal("3.1234") * day
            await repo.add_measurement(
                a.id, q1.id, value, f"j{day}", marie.id, start + timedelta(days=day)
            )
        tie = start + timedelta(days=11)  # two at the same instant: the later id is newer
        await repo.add_measurement(a.id, q1.id, Decimal("18.5"), "first", marie.id, tie)
        await repo.add_measurement(a.id, q1.id, Decimal("17.25"), "second", marie.id, tie)
        for day in (1, 2):
            await repo.add_measurement(
                a.id, q3.id, Decimal(day), "", paul.id, start + timedelta(days=day)
            )
            await repo.add_measurement(
                a.id, q4.id, Decimal(40 - day), "", karim.id, start + timedelta(days=day)
            )
        await repo.close_quick_win(a.id, q3.id, QuickWinState.DONE, start + timedelta(days=3))
        await repo.mark_celebrated(a.id, q4.id, start + timedelta(days=4))

        for days, author, anonymous in [
            (40, marie, False),  # before the window
            (20, marie, False),
            (10, zoe, False),
            (5, paul, True),
            (2, karim, False),
            (1, marie, False),
        ]:
            await repo.add_retex(
                a.id,
                f"Leçon d'il y a {days} j",
                author.id,
                anonymous,
                q1.id,
                NOW - timedelta(days=days),
            )
        await rituals.first_seen(a.id, start)
        await missed(rituals, a, "cap_reminder", NOW - timedelta(days=3))
        await missed(rituals, a, "custom_kind", NOW - timedelta(days=9))
        await missed(rituals, a, "cap_nudge", NOW - timedelta(days=45))  # before the window
        await missed(rituals, a, "retex", NOW - timedelta(days=1), status="queued")

        # Tenant B: the same shapes, none of which may show in A's snapshot.
        b_director = await repo.add_member(b.id, "UB0", "Claire", Role.DIRECTOR)
        b_manager = await repo.add_member(b.id, "UB1", "Bob", Role.MANAGER)
        b_cap = await repo.add_cap_version(b.id, "Other cap", b_director.id, start)
        await repo.ack_cap(b.id, b_cap.id, b_manager.id, start)
        b_qw = await repo.add_quick_win(draft(b, b_manager, "B's quick win", start))
        for day in range(3):
            await repo.add_measurement(
                b.id, b_qw.id, Decimal(day), "", b_manager.id, NOW - timedelta(days=day)
            )
        await repo.add_retex(b.id, "B's lesson", b_manager.id, False, None, NOW)
        await rituals.first_seen(b.id, start)
        await missed(rituals, b, "cap_reminder", NOW - timedelta(days=2))
    return Seeded(a, b, c, q1, q2, q4)


async def snapshot_of(repo: Repository, tenant: Tenant) -> KpiSnapshot:
    return await repo.kpi_snapshot(
        tenant.id, recent=RECENT_MEASUREMENTS, since=SINCE, highlights=RETEX_HIGHLIGHTS
    )


async def test_the_snapshot_holds_one_tenants_figures(store: SqlStore, seeded: Seeded) -> None:
    async with store.transaction() as repo:
        snapshot = await snapshot_of(repo, seeded.a)
        marie = await repo.get_member(seeded.a.id, "UA1")
    assert marie is not None

    assert snapshot.cap is not None and (snapshot.cap.version, snapshot.cap.text) == (
        2,
        "Exporter plus",
    )
    assert (snapshot.managers_acked, snapshot.managers_total) == (2, 3)

    assert [s.quick_win.number for s in snapshot.quick_wins] == [1, 2, 4]  # QW-3 is closed
    assert [s.quick_win for s in snapshot.quick_wins[:2]] == [seeded.q1, seeded.q2]
    one, two, four = snapshot.quick_wins
    assert len(one.values) == RECENT_MEASUREMENTS  # of 13
    # days 5 to 10 (stored out of order), then the two of the same instant, by id
    assert list(one.values) == [
        *(Decimal("52.5") - Decimal("3.1234") * day for day in range(5, 11)),
        Decimal("18.5"),
        Decimal("17.25"),
    ]
    assert str(one.values[0]) == "36.883"  # 52.5 - 3.1234 × 5, exact
    assert one.latest is not None
    assert (one.latest.value, one.latest.note, one.latest.author_id) == (
        Decimal("17.25"),
        "second",
        marie.id,
    )
    assert (one.latest.tenant_id, one.latest.quick_win_id) == (seeded.a.id, seeded.q1.id)
    assert (
        one.latest.measured_at == NOW - timedelta(days=49) and one.latest.measured_at.tzinfo == UTC
    )
    assert (two.values, two.latest) == ((), None)
    assert [str(v) for v in four.values] == ["39", "38"]
    assert four.latest is not None and four.latest.note == "" and str(four.latest.value) == "38"
    assert four.quick_win == replace(seeded.q4, celebrated_at=NOW - timedelta(days=56))

    assert snapshot.retex_count == 5
    assert [r.text for r in snapshot.retex] == [
        "Leçon d'il y a 1 j",
        "Leçon d'il y a 2 j",
        "Leçon d'il y a 5 j",
    ]
    assert snapshot.retex[2].anonymous and snapshot.retex[2].author_id is None
    assert dict(snapshot.author_names) == {
        snapshot.retex[0].author_id: "Marie",
        snapshot.retex[1].author_id: "Karim",
    }
    assert snapshot.missed == (
        ("custom_kind", NOW - timedelta(days=9)),
        ("rappel du cap", NOW - timedelta(days=3)),
    )


async def test_the_snapshot_agrees_with_the_fine_grained_methods(
    store: SqlStore, seeded: Seeded
) -> None:
    for tenant in (seeded.a, seeded.b, seeded.c):
        async with store.transaction() as repo:
            snapshot = await snapshot_of(repo, tenant)
            cap = await repo.current_cap(tenant.id)
            acked, pending = (
                await cap_readers(repo, tenant.id, cap) if cap is not None else ([], [])
            )
            names = await member_names(repo, tenant.id)
            expected = KpiSnapshot(
                cap=cap,
                managers_acked=len(acked),
                managers_total=len(await repo.list_members(tenant.id, Role.MANAGER)),
                quick_wins=tuple(await repo.active_snapshots(tenant.id, RECENT_MEASUREMENTS)),
                retex_count=await repo.count_retex(tenant.id, SINCE),
                retex=tuple(await repo.list_retex(tenant.id, since=SINCE, limit=RETEX_HIGHLIGHTS)),
                author_names={
                    r.author_id: names[r.author_id]
                    for r in await repo.list_retex(tenant.id, since=SINCE, limit=RETEX_HIGHLIGHTS)
                    if r.author_id is not None
                },
                missed=tuple(await repo.missed_occurrences(tenant.id, SINCE)),
            )
            assert len(acked) + len(pending) == expected.managers_total
        assert snapshot == expected, tenant.external_id


async def test_recent_and_highlights_bound_the_lists(store: SqlStore, seeded: Seeded) -> None:
    async with store.transaction() as repo:
        counts_only = await repo.kpi_snapshot(seeded.a.id, recent=0, since=SINCE, highlights=0)
        everything = await repo.kpi_snapshot(
            seeded.a.id, recent=100, since=NOW - timedelta(days=365), highlights=100
        )
    assert [(s.quick_win.number, s.values, s.latest) for s in counts_only.quick_wins] == [
        (1, (), None),
        (2, (), None),
        (4, (), None),
    ]
    assert (counts_only.retex, counts_only.retex_count, dict(counts_only.author_names)) == (
        (),
        5,
        {},
    )
    assert [len(s.values) for s in everything.quick_wins] == [13, 0, 2]
    assert everything.retex_count == 6 and len(everything.retex) == 6
    assert [name for name, _ in everything.missed] == [
        "relance du cap",
        "custom_kind",
        "rappel du cap",
    ]


async def test_the_read_models_write_their_limits_in(store: SqlStore, seeded: Seeded) -> None:
    """No LIMIT of theirs is a bound parameter: with bound ones, PostgreSQL planned each
    summary anew over the bench's million measurements (it kept custom plans: 0.9 ms of
    planning for a 0.5 ms read; bench row 3)."""
    async with store.transaction() as repo:
        marie = await repo.get_member(seeded.a.id, "UA1")
        assert marie is not None
        with recorded_statements(repo.connection.engine) as statements:
            kpis = await snapshot_of(repo, seeded.a)
            home = await repo.home_snapshot(seeded.a.id, marie.id, recent=3)
    read_models = [sql for sql in statements if "UNION ALL" in sql]
    assert len(read_models) == 2
    limits = [re.findall(r"LIMIT ([^\s)]+)", sql) for sql in read_models]
    assert limits == [[str(RECENT_MEASUREMENTS), str(RETEX_HIGHLIGHTS)], ["3"]]
    assert len(kpis.quick_wins[0].values) == RECENT_MEASUREMENTS
    assert len(home.quick_wins[0].values) == 3


async def test_an_empty_or_unknown_tenant(store: SqlStore, seeded: Seeded) -> None:
    empty = KpiSnapshot(None, 0, 0, (), 0, (), {}, ())
    async with store.transaction() as repo:
        assert await snapshot_of(repo, seeded.c) == empty
        unknown = await repo.kpi_snapshot(seeded.c.id + 1000, recent=8, since=SINCE, highlights=3)
    assert unknown == empty


async def test_kpi_summary_reads_everything_in_one_statement(
    database: Database, seeded: Seeded
) -> None:
    async with database.store.transaction() as repo:
        tenant = await repo.get_tenant(seeded.a.id)
        assert tenant is not None
        with recorded_statements(database.engine) as statements:
            summary = await kpi_summary(repo, tenant, NOW)
    assert len(statements) == 1, statements
    assert "QW-1" in summary.text


async def reference_summary(repo: Repository, tenant: Tenant, now: datetime) -> Message:
    """`kpi_summary` as it was written before the read model: one repository call per figure."""
    locale = tenant.locale
    today = formatting.local_date(now, tenant.timezone)
    title = translate(locale, "kpi.title", tenant=tenant.name or tenant.external_id)
    blocks: list[Block] = [Heading(title)]
    lines: list[str] = [title]
    cap = await repo.current_cap(tenant.id)
    if cap is None:
        cap_line = translate(locale, "kpi.no_cap")
    else:
        acked, pending = await cap_readers(repo, tenant.id, cap)
        cap_line = translate(
            locale,
            "kpi.cap",
            version=cap.version,
            days=formatting.days_between(cap.created_at, now, tenant.timezone),
            acked=len(acked),
            total=len(acked) + len(pending),
        )
    blocks.append(Paragraph(cap_line))
    lines.append(cap_line)
    snapshots = await repo.active_snapshots(tenant.id, RECENT_MEASUREMENTS)
    overdue: list[str] = []
    if snapshots:
        heading = translate(locale, "kpi.quickwins")
        blocks += [Divider(), Heading(heading)]
        lines.append(heading)
        for snapshot in snapshots:
            qw = snapshot.quick_win
            figs = figures(snapshot, today, tenant.timezone)
            line = summary_line(tenant, qw, figs)
            blocks += [progress_block(tenant, qw, figs), Context(line)]
            lines.append("• " + line)
            if figs.status.value == "overdue":
                overdue.append(f"QW-{qw.number} {formatting.clip(qw.title, 60)}")
    else:
        none_line = translate(locale, "qw.none")
        blocks.append(Paragraph(none_line))
        lines.append(none_line)
    since = now - RETEX_WINDOW
    count = await repo.count_retex(tenant.id, since)
    retex_title = translate(locale, "kpi.retex", count=count)
    blocks += [Divider(), Paragraph(retex_title)]
    lines.append(retex_title)
    if count:
        names = await member_names(repo, tenant.id)
        for retex in await repo.list_retex(tenant.id, since=since, limit=RETEX_HIGHLIGHTS):
            line = retex_line(tenant, retex, names)
            blocks.append(Context(line))
            lines.append("• " + line)
    overdue_line = (
        translate(locale, "kpi.overdue", items=", ".join(overdue))
        if overdue
        else translate(locale, "kpi.nothing_overdue")
    )
    blocks.append(Paragraph(overdue_line))
    lines.append(overdue_line)
    missed = await repo.missed_occurrences(tenant.id, since)
    if missed:
        items = ", ".join(
            f"{kind} {formatting.day(formatting.local_date(at, tenant.timezone), locale)}"
            for kind, at in missed
        )
        missed_line = translate(locale, "kpi.missed", items=items)
        blocks.append(Paragraph(missed_line))
        lines.append(missed_line)
    return Message(
        text="\n".join(lines), blocks=tuple(blocks), visibility=Visibility.PERSONAL, kind="kpi"
    )


async def test_kpi_summary_is_the_message_it_always_was(store: SqlStore, seeded: Seeded) -> None:
    for tenant in (seeded.a, seeded.b, seeded.c):
        async with store.transaction() as repo:
            summary = await kpi_summary(repo, tenant, NOW)
            assert summary == await reference_summary(repo, tenant, NOW), tenant.external_id
    async with store.transaction() as repo:
        text = (await kpi_summary(repo, seeded.a, NOW)).text
    assert "Cap v2, posé il y a 60 j · lu par 2/3 managers" in text
    assert "QW-1 Relance factures" in text and "QW-3" not in text
    assert "5 retour(s) d'expérience sur 30 jours" in text
    assert "En retard : QW-1 Relance factures, QW-2 Jamais mesuré, QW-4 Deux mesures" in text
    assert "Rituels manqués : custom_kind 25/04/2026, rappel du cap 01/05/2026" in text
    assert "B's" not in text and "Bob" not in text


async def expected_home(repo: Repository, tenant: Tenant, member: Member) -> HomeSnapshot:
    """What a home shows, from the fine-grained methods."""
    cap = await repo.current_cap(tenant.id)
    acks = await repo.cap_acks(tenant.id, cap.id) if cap is not None else []
    return HomeSnapshot(
        cap=cap,
        acknowledged=any(ack.member_id == member.id for ack in acks),
        quick_wins=tuple(
            s
            for s in await repo.active_snapshots(tenant.id, RECENT_MEASUREMENTS)
            if s.quick_win.owner_id == member.id
        ),
    )


async def test_the_home_snapshot_agrees_with_the_fine_grained_methods(
    store: SqlStore, seeded: Seeded
) -> None:
    seen = 0
    for tenant in (seeded.a, seeded.b, seeded.c):
        async with store.transaction() as repo:
            for member in await repo.list_members(tenant.id):
                home = await repo.home_snapshot(tenant.id, member.id, recent=RECENT_MEASUREMENTS)
                assert home == await expected_home(repo, tenant, member), member.display_name
                seen += 1
    assert seen == 7

    async with store.transaction() as repo:
        marie, paul, karim, zoe = [
            await repo.get_member(seeded.a.id, f"UA{n}") for n in (1, 2, 3, 4)
        ]
        assert marie and paul and karim and zoe
        homes = {
            m.display_name: await repo.home_snapshot(seeded.a.id, m.id, recent=3)
            for m in (marie, paul, karim, zoe)
        }
        b_manager = await repo.get_member(seeded.b.id, "UB1")
        assert b_manager is not None
        in_another_tenant = await repo.home_snapshot(seeded.a.id, b_manager.id, recent=3)
        unknown_tenant = await repo.home_snapshot(seeded.c.id + 1000, marie.id, recent=3)
    assert homes["Marie"].cap is not None and homes["Marie"].cap.text == "Exporter plus"
    assert [h.acknowledged for h in homes.values()] == [True, False, True, True]  # Paul: v1 only
    assert [[s.quick_win.number for s in h.quick_wins] for h in homes.values()] == [
        [1],
        [2],  # QW-3 is closed
        [4],
        [],
    ]
    (one,) = homes["Marie"].quick_wins
    assert list(one.values) == [
        Decimal("52.5") - Decimal("3.1234") * 10,
        Decimal("18.5"),
        Decimal("17.25"),
    ]
    assert one.latest is not None and one.latest.note == "second"
    assert in_another_tenant == HomeSnapshot(homes["Zoé"].cap, False, ())
    assert unknown_tenant == HomeSnapshot(None, False, ())


async def reference_home(ctx: CommandContext) -> Message:
    """`home_message` as it was written before the read model: one repository call per figure."""
    t = ctx.t
    blocks: list[Block] = [Heading("🧭 Boussole")]
    lines = ["🧭 Boussole"]
    current = await ctx.repo.current_cap(ctx.tenant.id)
    if current is None:
        blocks.append(Paragraph(t("cap.none")))
        lines.append(t("cap.none"))
    else:
        title = t("cap.title", version=current.version)
        blocks += [Heading(title), Paragraph(current.text)]
        lines += [title, current.text]
        acks = await ctx.repo.cap_acks(ctx.tenant.id, current.id)
        if not any(a.member_id == ctx.actor.id for a in acks):
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
    snapshots = [
        s
        for s in await ctx.repo.active_snapshots(ctx.tenant.id, RECENT_MEASUREMENTS)
        if s.quick_win.owner_id == ctx.actor.id
    ]
    blocks.append(Divider())
    heading = t("qw.list_title")
    blocks.append(Heading(heading))
    lines.append(heading)
    if not snapshots:
        blocks.append(Context(t("qw.none")))
        lines.append(t("qw.none"))
    for snapshot in snapshots:
        figs = figures(snapshot, ctx.today, ctx.tenant.timezone)
        line = summary_line(ctx.tenant, snapshot.quick_win, figs)
        blocks += [progress_block(ctx.tenant, snapshot.quick_win, figs), Context(line)]
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


async def test_a_home_is_the_message_it_always_was_in_one_statement(
    database: Database, seeded: Seeded
) -> None:
    compared = 0
    for tenant in (seeded.a, seeded.b, seeded.c):
        async with database.store.transaction() as repo:
            for member in await repo.list_members(tenant.id):
                ctx = CommandContext(repo, tenant, member, NOW)
                with recorded_statements(database.engine) as statements:
                    home = await home_message(ctx)
                assert len(statements) == 1, statements
                assert home == await reference_home(ctx), member.display_name
                compared += 1
    assert compared == 7
    async with database.store.transaction() as repo:
        marie = await repo.get_member(seeded.a.id, "UA1")
        assert marie is not None
        text = (await home_message(CommandContext(repo, seeded.a, marie, NOW))).text
    assert "Exporter plus" in text and "QW-1 Relance factures" in text and "QW-4" not in text
