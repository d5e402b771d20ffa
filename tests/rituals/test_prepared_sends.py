"""The sender lets a messenger read at once what a claimed batch's sends need (`PreparesSends`)."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from bot.delivery import PreparesSends
from bot.model import Tenant
from tests.rituals.support import Harness, RecordingMessenger, queue_monday_reminders


class PreparingMessenger(RecordingMessenger):
    """Records each `prepare` (the tenants' external ids) and the sends after it."""

    def __init__(self, *, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail
        self.prepared: list[list[str]] = []
        self.posts_when_prepared: list[int] = []

    async def prepare(self, tenants: Collection[Tenant]) -> None:
        self.prepared.append(sorted(tenant.external_id for tenant in tenants))
        self.posts_when_prepared.append(len(self.posts))
        if self.fail:
            raise ConnectionError("installation store unreachable")


@pytest.fixture
def preparing(harness: Harness) -> PreparingMessenger:
    messenger = PreparingMessenger()
    harness.clock_a = harness.service("clock-a", {messenger.platform: messenger})
    return messenger


async def test_a_claimed_batch_is_prepared_once_per_tenant_before_its_sends(
    harness: Harness, preparing: PreparingMessenger
) -> None:
    assert isinstance(preparing, PreparesSends)
    await queue_monday_reminders(harness, ("marie", "karim", "lea"))

    report = await harness.run()

    assert report.send.sent == 3
    assert preparing.prepared == [["acme"]]  # three rows of one tenant: one tenant prepared
    assert preparing.posts_when_prepared == [0]  # before the first send


async def test_a_failed_preparation_only_means_each_send_reads_alone(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    failing = PreparingMessenger(fail=True)
    harness.clock_a = harness.service("clock-a", {failing.platform: failing})
    await queue_monday_reminders(harness, ("marie", "karim"))

    report = await harness.run()

    assert report.send.sent == 2
    assert len(failing.posts) == 2
    assert "preparing 2 console sends failed" in caplog.text


async def test_a_messenger_without_preparation_is_sent_to_as_before(harness: Harness) -> None:
    assert not isinstance(harness.messenger, PreparesSends)
    await queue_monday_reminders(harness, ("marie", "karim"))

    report = await harness.run()

    assert report.send.sent == 2
    assert len(harness.messenger.posts) == 2
