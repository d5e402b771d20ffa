"""SqlRepository on real SQLite and PostgreSQL: every method, tenant isolation, races, round trips."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.exc import ResourceClosedError, StatementError

from bot.model import (
    Locale,
    Measurement,
    Member,
    QuickWin,
    QuickWinDraft,
    QuickWinState,
    Role,
    Tenant,
)
from storage.database import Database, SqlStore
from storage.models import QuickWinRow, TenantRow
from storage.repository import RecordNotFound, SqlRepository
from tests.support.clock import FakeClock
from tests.support.statements import recorded_statements

PARIS = ZoneInfo("Europe/Paris")
UNICODE_TEXTS = (
    "Relance factures 🚀 éàç — « test »",
    "客户回访率 提升 📈",
    "دعم العملاء",
    "Zoë naïve cœur Œuvre ß ǅ",
    "e\u0301 décomposé (NFD) ≠ é",
    "emoji ZWJ 👩‍💻 + drapeau 🇫🇷 + 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
)


@dataclass(frozen=True)
class World:
    """Two tenants with a director and a member each."""

    a: Tenant
    b: Tenant
    a_director: Member
    a_member: Member
    b_director: Member


@pytest.fixture
async def world(store: SqlStore) -> World:
    async with store.transaction() as repo:
        a, _ = await repo.get_or_create_tenant("slack", "TA", "Alpha", Locale.FR, "Europe/Paris")
        b, _ = await repo.get_or_create_tenant("teams", "TB", "Beta", Locale.EN, "UTC")
        a_director = await repo.add_member(a.id, "UA1", "Marie Curie", Role.DIRECTOR)
        a_member = await repo.add_member(a.id, "UA2", "Élodie Martin", Role.MEMBER)
        b_director = await repo.add_member(b.id, "UB1", "Marie Curie", Role.DIRECTOR)
    return World(a, b, a_director, a_member, b_director)


def draft(
    tenant_id: int,
    owner: Member,
    at: datetime,
    title: str = "Relancer les factures",
    baseline: Decimal = Decimal("40"),
    target: Decimal = Decimal("10"),
) -> QuickWinDraft:
    return QuickWinDraft(
        tenant_id=tenant_id,
        title=title,
        kpi="Délai moyen de paiement",
        unit="jours",
        baseline=baseline,
        target=target,
        due=date(2026, 6, 30),
        owner_id=owner.id,
        created_by=owner.id,
        created_at=at,
    )


async def add_quick_win(store: SqlStore, world: World, at: datetime, title: str) -> QuickWin:
    async with store.transaction() as repo:
        return await repo.add_quick_win(draft(world.a.id, world.a_member, at, title=title))


# --------------------------------------------------------------------------- transactions


async def test_transaction_commits_on_exit_and_rolls_back_on_error(store: SqlStore) -> None:
    async with store.transaction() as repo:
        kept, _ = await repo.get_or_create_tenant("slack", "T1", "Kept", Locale.FR, "UTC")

    with pytest.raises(RuntimeError, match="boom"):
        async with store.transaction() as repo:
            lost, created = await repo.get_or_create_tenant("slack", "T2", "Lost", Locale.FR, "UTC")
            assert created
            raise RuntimeError("boom")

    async with store.transaction() as repo:
        assert await repo.get_tenant(kept.id) == kept
        assert await repo.get_tenant(lost.id) is None
        _, created = await repo.get_or_create_tenant("slack", "T2", "Lost", Locale.FR, "UTC")
        assert created


async def test_store_yields_a_sql_repository(store: SqlStore) -> None:
    async with store.transaction() as repo:
        assert isinstance(repo, SqlRepository)


# --------------------------------------------------------------------------- tenants


async def test_get_or_create_tenant_is_idempotent(store: SqlStore) -> None:
    async with store.transaction() as repo:
        tenant, created = await repo.get_or_create_tenant(
            "slack", "T0123", "Acme 🚀", Locale.FR, "Europe/Paris"
        )
    assert created
    assert tenant == Tenant(
        id=tenant.id,
        platform="slack",
        external_id="T0123",
        name="Acme 🚀",
        locale=Locale.FR,
        timezone="Europe/Paris",
        active=True,
    )

    async with store.transaction() as repo:
        same, created_again = await repo.get_or_create_tenant(
            "slack", "T0123", "Renamed", Locale.EN, "UTC"
        )
        other_platform, other_created = await repo.get_or_create_tenant(
            "teams", "T0123", "Acme on Teams", Locale.EN, "UTC"
        )
        assert await repo.get_tenant(tenant.id) == tenant
        assert await repo.get_tenant(other_platform.id + 1000) is None
    assert not created_again
    assert same == tenant  # the first settings are kept
    assert other_created
    assert other_platform.id != tenant.id


async def test_concurrent_first_requests_create_one_tenant(store: SqlStore) -> None:
    async def first_request() -> tuple[Tenant, bool]:
        async with store.transaction() as repo:
            result = await repo.get_or_create_tenant("slack", "TNEW", "New", Locale.FR, "UTC")
            await asyncio.sleep(0.05)
            return result

    results = await asyncio.gather(*(first_request() for _ in range(5)))
    assert sum(created for _, created in results) == 1
    assert len({tenant.id for tenant, _ in results}) == 1


async def test_update_tenant(store: SqlStore) -> None:
    async with store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant("console", "local", "", Locale.FR, "UTC")
        updated = await repo.update_tenant(tenant.id, locale=Locale.EN)
        assert updated.locale is Locale.EN
        assert updated.timezone == "UTC"
        updated = await repo.update_tenant(tenant.id, timezone="America/Montreal")
        assert (updated.locale, updated.timezone) == (Locale.EN, "America/Montreal")
        assert await repo.update_tenant(tenant.id) == updated
        with pytest.raises(LookupError):
            await repo.update_tenant(tenant.id + 1000, locale=Locale.FR)
        with pytest.raises(LookupError):
            await repo.update_tenant(tenant.id + 1000)
    async with store.transaction() as repo:
        assert await repo.get_tenant(tenant.id) == updated


# --------------------------------------------------------------------------- idempotency


async def test_claim_request_once_per_tenant(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    async with store.transaction() as repo:
        assert await repo.claim_request(world.a.id, "Ev123", clock.now())
        assert not await repo.claim_request(world.a.id, "Ev123", clock.now())
        # the conflict did not abort the transaction: later writes still commit
        assert await repo.claim_request(world.b.id, "Ev123", clock.now())
        await repo.rename_member(world.a.id, world.a_member.id, "Élodie M.")
    async with store.transaction() as repo:
        assert not await repo.claim_request(world.a.id, "Ev123", clock.now())
        assert not await repo.claim_request(world.b.id, "Ev123", clock.now())
        member = await repo.get_member_by_id(world.a.id, world.a_member.id)
        assert member is not None and member.display_name == "Élodie M."


async def test_claim_request_rolled_back_can_be_claimed_again(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as repo:
            assert await repo.claim_request(world.a.id, "retry-me", clock.now())
            raise RuntimeError("handler failed")
    async with store.transaction() as repo:
        assert await repo.claim_request(world.a.id, "retry-me", clock.now())


async def test_concurrent_claims_of_one_key_apply_once(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    async def claim() -> bool:
        async with store.transaction() as repo:
            claimed = await repo.claim_request(world.a.id, "dup-delivery", clock.now())
            await asyncio.sleep(0.05)
            return claimed

    results = await asyncio.gather(*(claim() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]


async def test_the_first_read_of_a_command_claims_its_key_for_an_active_tenant(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    async with store.transaction() as repo:
        first = await repo.find_tenant_and_member_claiming("slack", "TA", "UA2", "Ev7", clock.now())
        again = await repo.find_tenant_and_member_claiming("slack", "TA", "UA2", "Ev7", clock.now())
        newcomer = await repo.find_tenant_and_member_claiming(
            "slack", "TA", "UA9", "Ev8", clock.now()
        )
        unknown = await repo.find_tenant_and_member_claiming(
            "slack", "T-NONE", "UA2", "Ev7", clock.now()
        )
        settled = await repo.claim_request(world.a.id, "Ev7", clock.now())

    assert first == (world.a, world.a_member, True)
    assert again == (world.a, world.a_member, False)  # already claimed: claim_request says so
    assert not settled
    assert newcomer == (world.a, None, True)
    assert unknown == (None, None, False)
    async with store.transaction() as repo:  # what was claimed stayed claimed
        assert not await repo.claim_request(world.a.id, "Ev8", clock.now())
        assert await repo.claim_request(world.b.id, "Ev7", clock.now())  # per tenant


async def test_a_quick_win_read_ahead_serves_the_first_read_of_it_only(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    qw = await add_quick_win(store, world, clock.now(), "read ahead")
    async with store.transaction() as repo:
        tenant, _, claimed = await repo.find_tenant_and_member_claiming(
            "slack", "TA", "UA2", "Ev10", clock.now(), quick_win_number=qw.number
        )
        await repo.connection.execute(  # changed after it was read ahead
            update(QuickWinRow).where(QuickWinRow.id == qw.id).values(title="renamed")
        )
        first = await repo.get_quick_win(world.a.id, qw.number)
        second = await repo.get_quick_win(world.a.id, qw.number)
    assert tenant == world.a and claimed
    assert first == qw  # as read ahead, in this transaction
    assert second is not None and second.title == "renamed"  # read again


async def test_a_quick_win_read_ahead_is_the_tenant_s_own_or_none(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    qw = await add_quick_win(store, world, clock.now(), "alpha's")
    async with store.transaction() as repo:
        await repo.find_tenant_and_member_claiming(
            "teams", "TB", "UB1", "Ev11", clock.now(), quick_win_number=qw.number
        )
        await repo.find_tenant_and_member_claiming(
            "slack", "TA", "UA2", "Ev12", clock.now(), quick_win_number=qw.number + 1
        )
        others = await repo.get_quick_win(world.b.id, qw.number)
        missing = await repo.get_quick_win(world.a.id, qw.number + 1)
        own = await repo.get_quick_win(world.a.id, qw.number)
    assert others is None and missing is None
    assert own == qw


async def test_an_inactive_tenant_s_key_is_not_claimed_by_the_first_read(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    async with store.transaction() as repo:
        await repo.connection.execute(
            update(TenantRow).where(TenantRow.id == world.a.id).values(active=False)
        )
        tenant, member, claimed = await repo.find_tenant_and_member_claiming(
            "slack", "TA", "UA1", "Ev9", clock.now()
        )
    assert tenant is not None and not tenant.active and member == world.a_director
    assert not claimed
    async with store.transaction() as repo:
        assert await repo.claim_request(world.a.id, "Ev9", clock.now())  # nothing was recorded


# --------------------------------------------------------------------------- members


async def test_members_add_get_list_rename_and_roles(store: SqlStore, world: World) -> None:
    async with store.transaction() as repo:
        assert await repo.get_member(world.a.id, "UA2") == world.a_member
        assert await repo.get_member_by_id(world.a.id, world.a_member.id) == world.a_member
        assert await repo.get_member(world.a.id, "nobody") is None
        assert world.a_member == Member(
            id=world.a_member.id,
            tenant_id=world.a.id,
            external_id="UA2",
            display_name="Élodie Martin",
            role=Role.MEMBER,
        )

        again = await repo.add_member(world.a.id, "UA2", "Another name", Role.DIRECTOR)
        assert again == world.a_member  # already known: returned unchanged

        manager = await repo.add_member(world.a.id, "UA3", "Jean Dupont", Role.MEMBER)
        promoted = await repo.set_role(world.a.id, manager.id, Role.MANAGER)
        assert promoted.role is Role.MANAGER
        await repo.rename_member(world.a.id, manager.id, "Jean-Paul Dupont")

    async with store.transaction() as repo:
        members = await repo.list_members(world.a.id)
        assert [(m.external_id, m.display_name, m.role) for m in members] == [
            ("UA1", "Marie Curie", Role.DIRECTOR),
            ("UA2", "Élodie Martin", Role.MEMBER),
            ("UA3", "Jean-Paul Dupont", Role.MANAGER),
        ]
        assert [m.external_id for m in await repo.list_members(world.a.id, Role.MANAGER)] == ["UA3"]
        assert await repo.list_members(world.b.id, Role.MEMBER) == []
        assert await repo.list_members(world.b.id) == [world.b_director]


async def test_concurrent_first_messages_of_a_person_add_one_member(
    store: SqlStore, world: World
) -> None:
    async def first_message() -> Member:
        async with store.transaction() as repo:
            member = await repo.add_member(world.a.id, "UNEW", "Newcomer", Role.MEMBER)
            await asyncio.sleep(0.05)
            return member

    results = await asyncio.gather(*(first_message() for _ in range(4)))
    assert len({m.id for m in results}) == 1
    async with store.transaction() as repo:
        assert [m.external_id for m in await repo.list_members(world.a.id)].count("UNEW") == 1


async def test_find_members_by_name_is_case_insensitive_and_accent_sensitive(
    store: SqlStore, world: World
) -> None:
    async with store.transaction() as repo:
        straße = await repo.add_member(world.a.id, "UA4", "Hans Straße", Role.MEMBER)
        homonym = await repo.add_member(world.a.id, "UA5", "MARIE CURIE", Role.MEMBER)

        async def found(name: str) -> list[str]:
            return [m.external_id for m in await repo.find_members_by_name(world.a.id, name)]

        assert await found("élodie martin") == ["UA2"]
        assert await found("ÉLODIE MARTIN") == ["UA2"]
        assert await found("@Élodie Martin") == ["UA2"]
        assert await found("  Élodie Martin ") == ["UA2"]
        assert await found("E\u0301lodie Martin") == ["UA2"]  # decomposed accent, same name
        assert await found("Elodie Martin") == []  # accents matter
        assert await found("Élodie") == []  # exact, not a prefix
        assert await found("marie curie") == ["UA1", "UA5"]  # not tenant B's Marie Curie
        assert await found("hans strasse") == [straße.external_id]
        assert await found("") == []
        assert await found("@") == []
        assert homonym.display_name == "MARIE CURIE"
        assert [m.id for m in await repo.find_members_by_name(world.b.id, "Marie Curie")] == [
            world.b_director.id
        ]

        await repo.rename_member(world.a.id, world.a_member.id, "Élo")
        assert await found("élo") == ["UA2"]
        assert await found("élodie martin") == []


async def test_members_are_isolated_between_tenants(store: SqlStore, world: World) -> None:
    async with store.transaction() as repo:
        assert await repo.get_member_by_id(world.b.id, world.a_member.id) is None
        assert await repo.get_member(world.b.id, "UA2") is None
        with pytest.raises(LookupError):
            await repo.set_role(world.b.id, world.a_member.id, Role.DIRECTOR)
        with pytest.raises(RecordNotFound):
            await repo.rename_member(world.b.id, world.a_member.id, "Hijacked")
        with pytest.raises(LookupError):
            await repo.add_member(world.b.id + 1000, "U", "Ghost tenant", Role.MEMBER)
    async with store.transaction() as repo:
        assert await repo.get_member_by_id(world.a.id, world.a_member.id) == world.a_member


async def test_a_tenant_and_its_member_are_found_in_one_read(store: SqlStore, world: World) -> None:
    async with store.transaction() as repo:
        assert await repo.find_tenant_and_member("slack", "TA", "UA2") == (world.a, world.a_member)
        assert await repo.find_tenant_and_member("teams", "TB", "UB1") == (
            world.b,
            world.b_director,
        )
        # A person of another tenant, a new person, an unknown tenant, another platform.
        assert await repo.find_tenant_and_member("teams", "TB", "UA2") == (world.b, None)
        assert await repo.find_tenant_and_member("slack", "TA", "UNEW") == (world.a, None)
        assert await repo.find_tenant_and_member("slack", "TZ", "UA2") == (None, None)
        assert await repo.find_tenant_and_member("teams", "TA", "UA2") == (None, None)


# --------------------------------------------------------------------------- cap


async def test_cap_versions_are_numbered_per_tenant(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    texts = ["Cap 1 : moins de papier", "Cap 2 : factures en 10 jours", "Cap 3 🚀"]
    async with store.transaction() as repo:
        assert await repo.current_cap(world.a.id) is None
        versions = []
        for text in texts:
            versions.append(
                await repo.add_cap_version(world.a.id, text, world.a_director.id, clock.now())
            )
            clock.advance(timedelta(days=7))
        b_cap = await repo.add_cap_version(
            world.b.id, "Beta heading", world.b_director.id, clock.now()
        )

    assert [v.version for v in versions] == [1, 2, 3]
    assert b_cap.version == 1
    assert versions[0].created_at == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert versions[0].author_id == world.a_director.id

    async with store.transaction() as repo:
        assert await repo.current_cap(world.a.id) == versions[2]
        assert await repo.current_cap(world.b.id) == b_cap
        assert await repo.get_cap(world.a.id, versions[1].id) == versions[1]
        assert await repo.cap_history(world.a.id, 2) == [versions[2], versions[1]]
        assert await repo.cap_history(world.a.id, 10) == versions[::-1]
        assert await repo.cap_history(world.a.id, 0) == []
        # isolation
        assert await repo.get_cap(world.b.id, versions[0].id) is None
        assert await repo.get_cap(world.a.id, b_cap.id) is None
        with pytest.raises(LookupError):
            await repo.add_cap_version(world.b.id, "forged", world.a_director.id, clock.now())
    async with store.transaction() as repo:
        assert await repo.cap_history(world.b.id, 10) == [b_cap]


async def test_concurrent_cap_versions_get_distinct_numbers(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    async def publish(i: int) -> int:
        async with store.transaction() as repo:
            cap = await repo.add_cap_version(
                world.a.id, f"cap {i}", world.a_director.id, clock.now()
            )
            await asyncio.sleep(0.02)
            return cap.version

    assert sorted(await asyncio.gather(*(publish(i) for i in range(4)))) == [1, 2, 3, 4]


async def test_ack_cap_once_per_member(store: SqlStore, world: World, clock: FakeClock) -> None:
    async with store.transaction() as repo:
        cap = await repo.add_cap_version(world.a.id, "Cap", world.a_director.id, clock.now())
        first_at = clock.advance(timedelta(minutes=5))
        assert await repo.ack_cap(world.a.id, cap.id, world.a_member.id, first_at)
        assert not await repo.ack_cap(world.a.id, cap.id, world.a_member.id, clock.now())
    second_at = clock.advance(timedelta(hours=1))
    async with store.transaction() as repo:
        assert not await repo.ack_cap(world.a.id, cap.id, world.a_member.id, second_at)
        assert await repo.ack_cap(world.a.id, cap.id, world.a_director.id, second_at)
        acks = await repo.cap_acks(world.a.id, cap.id)
    assert [(a.cap_id, a.member_id, a.acked_at) for a in acks] == [
        (cap.id, world.a_member.id, datetime(2026, 3, 2, 8, 5, tzinfo=UTC)),
        (cap.id, world.a_director.id, datetime(2026, 3, 2, 9, 5, tzinfo=UTC)),
    ]


async def test_acks_are_isolated_between_tenants(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    async with store.transaction() as repo:
        cap = await repo.add_cap_version(world.a.id, "Cap", world.a_director.id, clock.now())
    async with store.transaction() as repo:
        with pytest.raises(LookupError):  # B cannot ack A's cap by guessing its id
            await repo.ack_cap(world.b.id, cap.id, world.b_director.id, clock.now())
        with pytest.raises(LookupError):  # nor make A's member ack through tenant B
            await repo.ack_cap(world.b.id, cap.id, world.a_member.id, clock.now())
        with pytest.raises(LookupError):  # nor ack A's cap with one of B's members
            await repo.ack_cap(world.a.id, cap.id, world.b_director.id, clock.now())
        assert await repo.cap_acks(world.b.id, cap.id) == []
    async with store.transaction() as repo:
        assert await repo.cap_acks(world.a.id, cap.id) == []


async def test_concurrent_acks_count_once(store: SqlStore, world: World, clock: FakeClock) -> None:
    async with store.transaction() as repo:
        cap = await repo.add_cap_version(world.a.id, "Cap", world.a_director.id, clock.now())

    async def click() -> bool:
        async with store.transaction() as repo:
            acked = await repo.ack_cap(world.a.id, cap.id, world.a_member.id, clock.now())
            await asyncio.sleep(0.05)
            return acked

    assert sorted(await asyncio.gather(*(click() for _ in range(3)))) == [False, False, True]
    async with store.transaction() as repo:
        assert len(await repo.cap_acks(world.a.id, cap.id)) == 1


# --------------------------------------------------------------------------- quick wins


async def test_quick_win_round_trip(store: SqlStore, world: World) -> None:
    created_at = datetime(2026, 3, 2, 9, 30, tzinfo=PARIS)
    async with store.transaction() as repo:
        qw = await repo.add_quick_win(
            QuickWinDraft(
                tenant_id=world.a.id,
                title="Relance factures 🚀 éàç — « test »",
                kpi="Délai de paiement",
                unit="jours",
                baseline=Decimal("38.5"),
                target=Decimal("12345678901234.5678"),
                due=date(2026, 12, 31),
                owner_id=world.a_member.id,
                created_by=world.a_director.id,
                created_at=created_at,
            )
        )
    assert qw == QuickWin(
        id=qw.id,
        tenant_id=world.a.id,
        number=1,
        title="Relance factures 🚀 éàç — « test »",
        kpi="Délai de paiement",
        unit="jours",
        baseline=Decimal("38.5"),
        target=Decimal("12345678901234.5678"),
        due=date(2026, 12, 31),
        owner_id=world.a_member.id,
        created_by=world.a_director.id,
        created_at=datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
        state=QuickWinState.ACTIVE,
        closed_at=None,
        celebrated_at=None,
    )
    assert qw.created_at.tzinfo is UTC
    assert str(qw.baseline) == "38.5"
    assert str(qw.target) == "12345678901234.5678"
    async with store.transaction() as repo:
        assert await repo.get_quick_win(world.a.id, 1) == qw
        assert await repo.get_quick_win_by_id(world.a.id, qw.id) == qw


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (Decimal("38.5"), "38.5"),
        (Decimal("38.50"), "38.5"),
        (Decimal("0.1"), "0.1"),
        (Decimal("-2.25"), "-2.25"),
        (Decimal("100"), "100"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0"), "0"),
        (Decimal("1.23456"), "1.2346"),  # rounded to 4 places, half away from zero
        (Decimal("-1.00005"), "-1.0001"),
        (Decimal("99999999999999.9999"), "99999999999999.9999"),
        (7, "7"),
    ],
)
async def test_decimals_round_trip_exactly(
    store: SqlStore, world: World, clock: FakeClock, given: Decimal, stored: str
) -> None:
    async with store.transaction() as repo:
        qw = await repo.add_quick_win(
            draft(world.a.id, world.a_member, clock.now(), baseline=given)
        )
        m = await repo.add_measurement(world.a.id, qw.id, given, "", world.a_member.id, clock.now())
    async with store.transaction() as repo:
        reread = await repo.get_quick_win_by_id(world.a.id, qw.id)
        [measurement] = await repo.measurements(world.a.id, qw.id, 5)
    assert reread is not None
    assert str(qw.baseline) == str(reread.baseline) == str(m.value) == stored
    assert str(measurement.value) == stored
    assert isinstance(measurement.value, Decimal)


@pytest.mark.parametrize("bad", [Decimal("1E+14"), Decimal("NaN"), Decimal("Infinity"), 1.5])
async def test_unstorable_decimals_are_refused(
    store: SqlStore, world: World, clock: FakeClock, bad: object
) -> None:
    with pytest.raises(StatementError):
        async with store.transaction() as repo:
            await repo.add_quick_win(
                draft(world.a.id, world.a_member, clock.now(), baseline=bad)  # type: ignore[arg-type]
            )


async def test_naive_datetimes_are_refused(store: SqlStore, world: World) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with store.transaction() as repo:
            await repo.claim_request(world.a.id, "k", datetime(2026, 3, 2, 8))


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 29, 3, 0, tzinfo=PARIS),  # just after the spring-forward gap
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS),  # second 02:30 of the autumn
        datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
)
async def test_aware_datetimes_round_trip_as_utc(
    store: SqlStore, world: World, at: datetime
) -> None:
    async with store.transaction() as repo:
        qw = await repo.add_quick_win(draft(world.a.id, world.a_member, at))
        closed = await repo.close_quick_win(world.a.id, qw.id, QuickWinState.DONE, at)
        m = await repo.add_measurement(world.a.id, qw.id, Decimal(1), "", world.a_member.id, at)
    async with store.transaction() as repo:
        reread = await repo.get_quick_win_by_id(world.a.id, qw.id)
        [measurement] = await repo.measurements(world.a.id, qw.id, 1)
    assert reread is not None
    # (an ambiguous local time with fold=1 never compares equal across zones: compare in UTC)
    expected = at.astimezone(UTC)
    for value in (
        qw.created_at,
        closed.closed_at,
        m.measured_at,
        reread.created_at,
        reread.closed_at,
        measurement.measured_at,
    ):
        assert value is not None
        assert value == expected
        assert value.timestamp() == at.timestamp()
        assert value.tzinfo is UTC


async def test_quick_wins_are_numbered_per_tenant(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    async with store.transaction() as repo:
        a1 = await repo.add_quick_win(draft(world.a.id, world.a_member, clock.now(), title="A1"))
        b1 = await repo.add_quick_win(draft(world.b.id, world.b_director, clock.now(), title="B1"))
        a2 = await repo.add_quick_win(draft(world.a.id, world.a_member, clock.now(), title="A2"))
    async with store.transaction() as repo:
        a3 = await repo.add_quick_win(draft(world.a.id, world.a_member, clock.now(), title="A3"))
    assert [(q.number, q.title) for q in (a1, a2, a3)] == [(1, "A1"), (2, "A2"), (3, "A3")]
    assert (b1.number, b1.tenant_id) == (1, world.b.id)

    with pytest.raises(RuntimeError):
        async with store.transaction() as repo:
            rolled_back = await repo.add_quick_win(draft(world.a.id, world.a_member, clock.now()))
            assert rolled_back.number == 4
            raise RuntimeError("abandon")
    async with store.transaction() as repo:
        a4 = await repo.add_quick_win(draft(world.a.id, world.a_member, clock.now(), title="A4"))
    assert a4.number == 4  # a rolled-back transaction leaves no gap


async def test_concurrent_quick_wins_get_distinct_numbers(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    async def create(i: int) -> int:
        async with store.transaction() as repo:
            # read first, then write: the classic lost-update shape
            await repo.list_quick_wins(world.a.id, active_only=False)
            qw = await repo.add_quick_win(
                draft(world.a.id, world.a_member, clock.now(), title=f"QW {i}")
            )
            await asyncio.sleep(0.02)
            return qw.number

    numbers = await asyncio.gather(*(create(i) for i in range(6)))
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]
    async with store.transaction() as repo:
        listed = await repo.list_quick_wins(world.a.id, active_only=False)
    assert [q.number for q in listed] == [1, 2, 3, 4, 5, 6]
    assert sorted(q.title for q in listed) == [f"QW {i}" for i in range(6)]


async def test_quick_win_owner_must_belong_to_the_tenant(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    async with store.transaction() as repo:
        with pytest.raises(LookupError):
            await repo.add_quick_win(draft(world.b.id, world.a_member, clock.now()))
        with pytest.raises(LookupError):
            await repo.add_quick_win(draft(world.b.id + 1000, world.a_member, clock.now()))
        assert await repo.list_quick_wins(world.b.id, active_only=False) == []


async def test_list_and_close_quick_wins(store: SqlStore, world: World, clock: FakeClock) -> None:
    async with store.transaction() as repo:
        q1 = await repo.add_quick_win(draft(world.a.id, world.a_member, clock.now(), title="one"))
        q2 = await repo.add_quick_win(draft(world.a.id, world.a_member, clock.now(), title="two"))
        q3 = await repo.add_quick_win(draft(world.a.id, world.a_member, clock.now(), title="three"))
    closed_at = clock.advance(timedelta(days=30))
    async with store.transaction() as repo:
        done = await repo.close_quick_win(world.a.id, q2.id, QuickWinState.DONE, closed_at)
        dropped = await repo.close_quick_win(world.a.id, q3.id, QuickWinState.ABANDONED, closed_at)
    assert (done.state, done.closed_at) == (QuickWinState.DONE, closed_at)
    assert dropped.state is QuickWinState.ABANDONED
    async with store.transaction() as repo:
        active = await repo.list_quick_wins(world.a.id, active_only=True)
        every = await repo.list_quick_wins(world.a.id, active_only=False)
        assert active == [q1]
        assert every == [q1, done, dropped]
        reopened = await repo.close_quick_win(world.a.id, q3.id, QuickWinState.ACTIVE, clock.now())
        assert (reopened.state, reopened.closed_at) == (QuickWinState.ACTIVE, None)
        assert [q.number for q in await repo.list_quick_wins(world.a.id, active_only=True)] == [
            1,
            3,
        ]


async def test_quick_wins_are_isolated_between_tenants(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    qw = await add_quick_win(store, world, clock.now(), "secret")
    async with store.transaction() as repo:
        assert await repo.get_quick_win(world.b.id, qw.number) is None
        assert await repo.get_quick_win_by_id(world.b.id, qw.id) is None
        assert await repo.list_quick_wins(world.b.id, active_only=False) == []
        assert await repo.active_snapshots(world.b.id, 3) == []
        assert await repo.measurements(world.b.id, qw.id, 5) == []
        with pytest.raises(LookupError):
            await repo.close_quick_win(world.b.id, qw.id, QuickWinState.DONE, clock.now())
        with pytest.raises(LookupError):
            await repo.mark_celebrated(world.b.id, qw.id, clock.now())
        with pytest.raises(LookupError):
            await repo.add_measurement(
                world.b.id, qw.id, Decimal(1), "", world.b_director.id, clock.now()
            )
        with pytest.raises(LookupError):  # A's quick win, but B's author
            await repo.add_measurement(
                world.a.id, qw.id, Decimal(1), "", world.b_director.id, clock.now()
            )
        with pytest.raises(LookupError):
            await repo.add_retex(world.b.id, "x", world.b_director.id, False, qw.id, clock.now())
    async with store.transaction() as repo:
        assert await repo.get_quick_win_by_id(world.a.id, qw.id) == qw
        assert await repo.measurements(world.a.id, qw.id, 5) == []


async def test_mark_celebrated_once(store: SqlStore, world: World, clock: FakeClock) -> None:
    qw = await add_quick_win(store, world, clock.now(), "celebrate me")
    first = clock.advance(timedelta(days=3))
    async with store.transaction() as repo:
        assert await repo.mark_celebrated(world.a.id, qw.id, first)
        assert not await repo.mark_celebrated(world.a.id, qw.id, clock.advance(timedelta(hours=1)))
        celebrated = await repo.get_quick_win_by_id(world.a.id, qw.id)
        assert celebrated is not None and celebrated.celebrated_at == first
    async with store.transaction() as repo:
        assert not await repo.mark_celebrated(world.a.id, qw.id, clock.now())
        reread = await repo.get_quick_win_by_id(world.a.id, qw.id)
    assert reread is not None and reread.celebrated_at == first


async def test_concurrent_celebrations_post_once(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    qw = await add_quick_win(store, world, clock.now(), "race")

    async def celebrate() -> bool:
        async with store.transaction() as repo:
            won = await repo.mark_celebrated(world.a.id, qw.id, clock.now())
            await asyncio.sleep(0.05)
            return won

    assert sorted(await asyncio.gather(*(celebrate() for _ in range(4)))) == [
        False,
        False,
        False,
        True,
    ]


# --------------------------------------------------------------------------- measurements


async def test_measurements_latest_first_then_oldest_first(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    qw = await add_quick_win(store, world, clock.now(), "measured")
    start = clock.now()
    # inserted out of chronological order, with two at the same instant
    offsets_and_values = [(3, "30"), (1, "10"), (5, "50"), (2, "20"), (5, "51"), (4, "40")]
    async with store.transaction() as repo:
        for days, value in offsets_and_values:
            await repo.add_measurement(
                world.a.id,
                qw.id,
                Decimal(value),
                f"note {value} ✓",
                world.a_member.id,
                start + timedelta(days=days),
            )
    async with store.transaction() as repo:
        latest3 = await repo.measurements(world.a.id, qw.id, 3)
        every = await repo.measurements(world.a.id, qw.id, 100)
        none = await repo.measurements(world.a.id, qw.id, 0)
    assert [str(m.value) for m in latest3] == ["40", "50", "51"]
    assert [str(m.value) for m in every] == ["10", "20", "30", "40", "50", "51"]
    assert none == []
    assert every[0].note == "note 10 ✓"
    assert every[0].measured_at == start + timedelta(days=1)
    assert {(m.tenant_id, m.quick_win_id, m.author_id) for m in every} == {
        (world.a.id, qw.id, world.a_member.id)
    }


async def test_a_measurement_added_with_the_latest_ones(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    qw = await add_quick_win(store, world, clock.now(), "logged")
    start = clock.now()
    async with store.transaction() as repo:
        for days in (1, 3):
            await repo.add_measurement(
                world.a.id,
                qw.id,
                Decimal(days),
                "",
                world.a_member.id,
                start + timedelta(days=days),
            )
        added, recent = await repo.add_measurement_and_recent(
            world.a.id, qw.id, Decimal("2.5"), "mid", world.a_member.id, start + timedelta(2), 2
        )
        with pytest.raises(RecordNotFound):  # another tenant's quick win: nothing written
            await repo.add_measurement_and_recent(
                world.b.id, qw.id, Decimal(9), "", world.b_director.id, start, 2
            )
        stored = await repo.measurements(world.a.id, qw.id, 10)
    assert (added.value, added.note, added.measured_at) == (
        Decimal("2.5"),
        "mid",
        start + timedelta(2),
    )
    assert recent == stored[-2:]  # the latest two, oldest first: 2.5 (day 2) and 3 (day 3)
    assert [m.value for m in recent] == [Decimal("2.5"), Decimal(3)]
    assert [m.value for m in stored] == [Decimal(1), Decimal("2.5"), Decimal(3)]


async def test_a_measurement_that_ends_its_transaction_commits_and_frees_the_connection(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    """`ends_transaction`: the measurement and the latest ones come back as without it; the
    transaction is committed and its connection is back in the pool before the block ends
    (SQLite has one: a second transaction could not start otherwise); a statement after it
    fails, and the block failing afterwards undoes nothing."""
    qw = await add_quick_win(store, world, clock.now(), "ends")
    with pytest.raises(RuntimeError, match="after the end"):
        async with store.transaction() as repo:
            added, recent = await repo.add_measurement_and_recent(
                world.a.id,
                qw.id,
                Decimal(4),
                "",
                world.a_member.id,
                clock.now(),
                3,
                ends_transaction=True,
            )
            assert recent == [added] and added.value == Decimal(4)

            async def read_meanwhile() -> list[Measurement]:
                async with store.transaction() as other:
                    return await other.measurements(world.a.id, qw.id, 10)

            assert await asyncio.wait_for(read_meanwhile(), timeout=10) == [added]
            with pytest.raises(ResourceClosedError):
                await repo.measurements(world.a.id, qw.id, 10)
            raise RuntimeError("a failure after the end")
    async with store.transaction() as repo:
        assert await repo.measurements(world.a.id, qw.id, 10) == [added]


async def test_a_measurement_that_cannot_be_written_ends_nothing(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    """`ends_transaction` with another tenant's quick win: RecordNotFound, and the block's
    rollback takes back what came before it in the transaction (here a request's claim)."""
    qw = await add_quick_win(store, world, clock.now(), "elsewhere")
    with pytest.raises(RecordNotFound):
        async with store.transaction() as repo:
            assert await repo.claim_request(world.b.id, "key-1", clock.now())
            await repo.add_measurement_and_recent(
                world.b.id,
                qw.id,
                Decimal(9),
                "",
                world.b_director.id,
                clock.now(),
                3,
                ends_transaction=True,
            )
    async with store.transaction() as repo:
        assert await repo.claim_request(world.b.id, "key-1", clock.now())  # not kept
        assert await repo.measurements(world.a.id, qw.id, 10) == []


async def test_active_snapshots(store: SqlStore, world: World, clock: FakeClock) -> None:
    start = clock.now()
    q1 = await add_quick_win(store, world, start, "five measurements")
    q2 = await add_quick_win(store, world, start, "no measurement")
    q3 = await add_quick_win(store, world, start, "closed")
    q4 = await add_quick_win(store, world, start, "two measurements")
    async with store.transaction() as repo:
        for day in (4, 1, 5, 3, 2):
            await repo.add_measurement(
                world.a.id,
                q1.id,
                Decimal(day) / 2,
                "",
                world.a_member.id,
                start + timedelta(days=day),
            )
        for day in (1, 2):
            await repo.add_measurement(
                world.a.id, q3.id, Decimal(day), "", world.a_member.id, start + timedelta(days=day)
            )
            await repo.add_measurement(
                world.a.id,
                q4.id,
                Decimal(day * 10),
                "",
                world.a_member.id,
                start + timedelta(days=day),
            )
        await repo.close_quick_win(world.a.id, q3.id, QuickWinState.DONE, start)
        b_qw = await repo.add_quick_win(draft(world.b.id, world.b_director, start))
        await repo.add_measurement(world.b.id, b_qw.id, Decimal(1), "", world.b_director.id, start)

    async with store.transaction() as repo:
        snapshots = await repo.active_snapshots(world.a.id, 3)
        counts_only = await repo.active_snapshots(world.a.id, 0)
        b_snapshots = await repo.active_snapshots(world.b.id, 3)

    assert [s.quick_win.number for s in snapshots] == [1, 2, 4]
    assert [s.quick_win for s in snapshots] == [q1, q2, q4]
    one, two, four = snapshots
    assert [str(v) for v in one.values] == ["1.5", "2", "2.5"]  # days 3, 4, 5 of 1 to 5
    assert one.latest is not None and str(one.latest.value) == "2.5"
    assert one.latest.measured_at == start + timedelta(days=5)
    assert (two.values, two.latest) == ((), None)
    assert [str(v) for v in four.values] == ["10", "20"]

    assert [(s.quick_win.number, s.values, s.latest) for s in counts_only] == [
        (1, (), None),
        (2, (), None),
        (4, (), None),
    ]
    assert [(s.quick_win.id, len(s.values)) for s in b_snapshots] == [(b_qw.id, 1)]


async def test_active_snapshots_use_a_bounded_number_of_queries(
    database: Database, world: World, clock: FakeClock
) -> None:
    store = database.store
    async with store.transaction() as repo:
        for i in range(12):
            qw = await repo.add_quick_win(
                draft(world.a.id, world.a_member, clock.now(), title=f"{i}")
            )
            for day in range(i % 4):
                await repo.add_measurement(
                    world.a.id,
                    qw.id,
                    Decimal(day),
                    "",
                    world.a_member.id,
                    clock.now() + timedelta(days=day),
                )

    with recorded_statements(database.engine) as statements:
        async with store.transaction() as repo:
            snapshots = await repo.active_snapshots(world.a.id, 2)

    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, selects  # quick wins, latest measurements
    assert len(snapshots) == 12
    assert [len(s.values) for s in snapshots] == [min(2, i % 4) for i in range(12)]
    assert [s.latest is None for s in snapshots] == [i % 4 == 0 for i in range(12)]


# --------------------------------------------------------------------------- retex


async def test_retex_listing_filters_and_ordering(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    qw = await add_quick_win(store, world, clock.now(), "with retex")
    start = clock.now()
    async with store.transaction() as repo:
        r1 = await repo.add_retex(
            world.a.id, "Premier retour", world.a_member.id, False, None, start
        )
        r2 = await repo.add_retex(
            world.a.id, "Anonyme 🙈", world.a_member.id, True, qw.id, start + timedelta(days=1)
        )
        r3 = await repo.add_retex(
            world.a.id, "Sur le QW", world.a_director.id, False, qw.id, start + timedelta(days=2)
        )
        # same instant as r3: the later insert comes first
        r4 = await repo.add_retex(
            world.a.id, "Même instant", world.a_director.id, False, None, start + timedelta(days=2)
        )
        await repo.add_retex(world.b.id, "Beta", world.b_director.id, False, None, start)

    assert (r1.author_id, r1.anonymous, r1.quick_win_id) == (world.a_member.id, False, None)
    assert (r2.author_id, r2.anonymous, r2.quick_win_id) == (None, True, qw.id)
    assert r2.created_at == start + timedelta(days=1)

    async with store.transaction() as repo:
        assert await repo.list_retex(world.a.id) == [r4, r3, r2, r1]
        assert await repo.list_retex(world.a.id, limit=2) == [r4, r3]
        assert await repo.list_retex(world.a.id, since=start + timedelta(days=1)) == [r4, r3, r2]
        assert await repo.list_retex(world.a.id, quick_win_id=qw.id) == [r3, r2]
        assert await repo.list_retex(
            world.a.id, since=start + timedelta(days=2), quick_win_id=qw.id
        ) == [r3]
        assert await repo.list_retex(world.a.id, since=start + timedelta(days=3)) == []
        assert await repo.count_retex(world.a.id, start) == 4
        assert await repo.count_retex(world.a.id, start + timedelta(days=1)) == 3
        assert await repo.count_retex(world.a.id, start + timedelta(days=2, seconds=1)) == 0
        assert [r.text for r in await repo.list_retex(world.b.id)] == ["Beta"]
        assert await repo.count_retex(world.b.id, start) == 1
        assert await repo.list_retex(world.b.id, quick_win_id=qw.id) == []
        with pytest.raises(LookupError):
            await repo.add_retex(world.a.id, "x", world.b_director.id, False, None, start)


async def test_missed_occurrences_are_empty_until_rituals_fill_them(
    store: SqlStore, world: World, clock: FakeClock
) -> None:
    async with store.transaction() as repo:
        assert await repo.missed_occurrences(world.a.id, clock.now() - timedelta(days=7)) == []


# --------------------------------------------------------------------------- unicode


@pytest.mark.parametrize("text", UNICODE_TEXTS)
async def test_unicode_round_trips_byte_for_byte(
    store: SqlStore, clock: FakeClock, text: str
) -> None:
    async with store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant("slack", text, text, Locale.FR, "UTC")
        member = await repo.add_member(tenant.id, text, text, Role.DIRECTOR)
        cap = await repo.add_cap_version(tenant.id, text, member.id, clock.now())
        qw = await repo.add_quick_win(
            QuickWinDraft(
                tenant_id=tenant.id,
                title=text,
                kpi=text,
                unit=text,
                baseline=Decimal(0),
                target=Decimal(1),
                due=date(2026, 4, 1),
                owner_id=member.id,
                created_by=member.id,
                created_at=clock.now(),
            )
        )
        await repo.add_measurement(tenant.id, qw.id, Decimal(1), text, member.id, clock.now())
        await repo.add_retex(tenant.id, text, member.id, False, qw.id, clock.now())
        assert await repo.claim_request(tenant.id, text, clock.now())

    async with store.transaction() as repo:
        found, created = await repo.get_or_create_tenant("slack", text, "", Locale.EN, "UTC")
        assert not created
        assert (found.external_id, found.name) == (text, text)
        reread_member = await repo.get_member(tenant.id, text)
        assert reread_member is not None and reread_member.display_name == text
        assert [m.id for m in await repo.find_members_by_name(tenant.id, text.upper())] == [
            member.id
        ]
        reread_cap = await repo.get_cap(tenant.id, cap.id)
        assert reread_cap is not None and reread_cap.text == text
        reread_qw = await repo.get_quick_win(tenant.id, 1)
        assert reread_qw is not None
        assert (reread_qw.title, reread_qw.kpi, reread_qw.unit) == (text, text, text)
        [measurement] = await repo.measurements(tenant.id, qw.id, 1)
        assert measurement.note == text
        [retex] = await repo.list_retex(tenant.id)
        assert retex.text == text
        assert not await repo.claim_request(tenant.id, text, clock.now())
    # stored exactly as given: no normalisation of the decomposed accent
    assert text.encode() == reread_cap.text.encode()
