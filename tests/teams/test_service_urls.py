"""The service URL allow-list: exact hosts and subdomain wildcards, https only (http for
loopback hosts listed), no credentials in the URL; the same decision however often asked."""

from __future__ import annotations

import pytest
from yarl import URL

from adapters.teams.service_urls import MEMO_CAPACITY, ServiceUrlPolicy, same_service_host

POLICY_HOSTS = ("smba.trafficmanager.net", "*.botframework.com", "127.0.0.1")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://smba.trafficmanager.net/emea/", True),
        ("https://SMBA.trafficmanager.net./emea/", True),  # case and a trailing dot
        ("https://emea.botframework.com/", True),
        ("https://botframework.com/", False),  # the wildcard names subdomains only
        ("https://evilbotframework.com/", False),
        ("https://smba.trafficmanager.net.evil.example/", False),
        ("http://smba.trafficmanager.net/emea/", False),  # plain http off loopback
        ("http://127.0.0.1:3978/", True),
        ("https://127.0.0.1:3978/", True),
        ("http://localhost:3978/", False),  # loopback, but not listed
        ("https://user:secret@smba.trafficmanager.net/", False),
        ("ftp://smba.trafficmanager.net/", False),
        ("https:///nohost", False),
        ("not a url", False),
        ("", False),
        (None, False),
    ],
)
def test_decisions_are_the_same_every_time(url: str | None, allowed: bool) -> None:
    policy = ServiceUrlPolicy(POLICY_HOSTS)
    assert [policy.is_allowed(url) for _ in range(3)] == [allowed] * 3
    if url:
        try:
            parsed = URL(url)
        except ValueError:
            return
        assert policy.allows(parsed) is allowed


def test_past_the_memo_s_capacity_decisions_are_made_again() -> None:
    policy = ServiceUrlPolicy(POLICY_HOSTS)
    urls = [f"https://r{n}.botframework.com/" for n in range(MEMO_CAPACITY + 50)]
    urls += [f"https://r{n}.example.com/" for n in range(50)]
    first = [policy.is_allowed(url) for url in urls]
    assert first == [True] * (MEMO_CAPACITY + 50) + [False] * 50
    assert [policy.is_allowed(url) for url in reversed(urls)] == list(reversed(first))
    assert len(policy._by_url) == MEMO_CAPACITY  # bounded, whatever activities claim


def test_same_service_host_compares_scheme_host_and_port() -> None:
    assert same_service_host(
        "https://SMBA.trafficmanager.net/emea/", "https://smba.trafficmanager.net/x"
    )
    assert not same_service_host("https://a.example/", "http://a.example/")
    assert not same_service_host("https://a.example:444/", "https://a.example/")
