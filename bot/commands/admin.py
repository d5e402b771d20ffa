"""The `boussole` command: roles, language, time zone, settings and help."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.commands.base import Handler, dispatch
from bot.context import Context
from bot.errors import UserError
from bot.help import help_message
from bot.i18n import parse_locale
from bot.messages import Heading, Message, Paragraph
from bot.model import Role

ROLE_WORDS: dict[str, Role] = {
    "directeur": Role.DIRECTOR,
    "directrice": Role.DIRECTOR,
    "director": Role.DIRECTOR,
    "direction": Role.DIRECTOR,
    "manager": Role.MANAGER,
    "membre": Role.MEMBER,
    "member": Role.MEMBER,
}


async def set_role(ctx: Context, args: str) -> list[Message]:
    parts = args.split()
    if len(parts) != 2:
        raise UserError("admin.bad_role", value=args.strip(), example="ex.role")
    ctx.require_director("what.roles")
    role = ROLE_WORDS.get(parts[1].lower())
    if role is None:
        raise UserError("admin.bad_role", value=parts[1], example="ex.role")
    member = await ctx.resolve_member(parts[0])
    if member.role is Role.DIRECTOR and role is not Role.DIRECTOR:
        directors = await ctx.repo.list_members(ctx.tenant.id, Role.DIRECTOR)
        if len(directors) <= 1:
            raise UserError("admin.last_director", name=member.display_name)
    updated = await ctx.repo.set_role(ctx.tenant.id, member.id, role)
    text = ctx.t("admin.role_set", name=updated.display_name, role=ctx.t(f"role.{role.value}"))
    return [Message(text)]


async def list_members(ctx: Context, _: str) -> list[Message]:
    members = await ctx.repo.list_members(ctx.tenant.id)
    title = ctx.t("admin.members_title")
    lines = [
        ctx.t("admin.member_line", name=m.display_name, role=ctx.t(f"role.{m.role.value}"))
        for m in members
    ]
    blocks = (Heading(title), Paragraph("\n".join(lines)))
    return [Message("\n".join([title, *lines]), blocks, kind="members")]


async def set_locale(ctx: Context, args: str) -> list[Message]:
    ctx.require_director("what.settings")
    locale = parse_locale(args)
    if locale is None:
        raise UserError("admin.bad_locale", value=args.strip(), example="ex.locale")
    ctx.tenant = await ctx.repo.update_tenant(ctx.tenant.id, locale=locale)
    return [Message(ctx.t("admin.locale_set"))]


def valid_timezone(name: str) -> str | None:
    """The IANA name as spelled in the database, accepting any letter case."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return None
    titled = "/".join(
        "_".join(w[:1].upper() + w[1:].lower() for w in p.split("_")) for p in name.split("/")
    )
    for candidate in (name, titled):
        if _loads(candidate):
            return candidate
    return _zones_by_lower_name().get(name.lower())  # rare spellings: one scan per process


def _loads(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


async def set_timezone(ctx: Context, args: str) -> list[Message]:
    ctx.require_director("what.settings")
    zone = valid_timezone(args.strip())
    if zone is None:
        raise UserError("admin.bad_timezone", value=args.strip(), example="ex.timezone")
    ctx.tenant = await ctx.repo.update_tenant(ctx.tenant.id, timezone=zone)
    return [Message(ctx.t("admin.timezone_set", value=zone))]


async def settings(ctx: Context, _: str) -> list[Message]:
    return [
        Message(
            ctx.t("admin.settings", locale=ctx.tenant.locale.value, timezone=ctx.tenant.timezone)
        )
    ]


async def help_(ctx: Context, args: str) -> list[Message]:
    return [help_message(ctx.locale, args.strip())]


SUBCOMMANDS: dict[str, Handler] = {
    "role": set_role,
    "rôle": set_role,
    "roles": list_members,
    "rôles": list_members,
    "membres": list_members,
    "members": list_members,
    "langue": set_locale,
    "language": set_locale,
    "lang": set_locale,
    "fuseau": set_timezone,
    "timezone": set_timezone,
    "tz": set_timezone,
    "réglages": settings,
    "reglages": settings,
    "settings": settings,
    "aide": help_,
    "help": help_,
}


async def run(ctx: Context, args: str) -> list[Message]:
    return await dispatch(ctx, "boussole", args, SUBCOMMANDS, help_, "ex.role")
