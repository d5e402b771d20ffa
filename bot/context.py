"""What a command handler works with: the repository, tenant, actor, time and translation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot import formatting
from bot.errors import UserError
from bot.i18n import translate
from bot.model import Locale, Member, Role, Tenant
from bot.ports import Repository


@dataclass(slots=True)
class Context:
    repo: Repository
    tenant: Tenant
    actor: Member
    now: datetime
    mentions: dict[str, str] = field(default_factory=dict)
    channel: str = ""  # the conversation the request came from, as the platform names it

    @property
    def locale(self) -> Locale:
        return self.tenant.locale

    def t(self, key: str, /, **values: object) -> str:
        return translate(self.tenant.locale, key, **values)

    @property
    def today(self) -> date:
        return formatting.local_date(self.now, self.tenant.timezone)

    def require_director(self, what: str) -> None:
        if self.actor.role is not Role.DIRECTOR:
            raise UserError("error.director_only", what=self.t(what))

    def require_lead(self, what: str) -> None:
        if self.actor.role not in (Role.DIRECTOR, Role.MANAGER):
            raise UserError("error.lead_only", what=self.t(what))

    async def member_name(self, member_id: int) -> str:
        if member_id == self.actor.id:
            return self.actor.display_name
        member = await self.repo.get_member_by_id(self.tenant.id, member_id)
        return member.display_name if member else "?"

    async def resolve_member(self, token: str) -> Member:
        """A person from "@U123" (platform id, created if new) or "@marie" / "marie" (by name)."""
        name = token.strip()
        key = name.removeprefix("@")
        if not key:
            raise UserError("error.no_such_member", name=token)
        if name.startswith("@") or key in self.mentions:
            known = await self.repo.get_member(self.tenant.id, key)
            if known:
                return known
        by_name = await self.repo.find_members_by_name(self.tenant.id, key)
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            raise UserError("error.ambiguous_member", name=key)
        if name.startswith("@"):
            display = self.mentions.get(key, key)
            return await self.repo.add_member(self.tenant.id, key, display, Role.MEMBER)
        raise UserError("error.no_such_member", name=token, example="@marie")
