"""The core's entry point: applies commands and interactions, builds forms and home views."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace

from bot import actions
from bot.clean_input import clean_actor, clean_tenant, clean_values, without_controls
from bot.commands import admin, cap, kpi, quickwin, retex
from bot.commands.base import Handler, suggestion
from bot.context import Context
from bot.errors import UserError
from bot.forms import Checkbox, Choice, ChoiceInput, Form, TextInput
from bot.help import help_message
from bot.home import home_message
from bot.i18n import CATALOGUE, parse_locale, translate
from bot.messages import Message, Visibility
from bot.model import Locale, Member, Role, Tenant
from bot.parsing import split_first
from bot.ports import Clock, Repository, Store
from bot.requests import Actor, Command, Interaction, Reply, TenantRef
from bot.summaries import cap_readers
from bot.views.cap import cap_message

logger = logging.getLogger(__name__)


async def _help(ctx: Context, args: str) -> list[Message]:
    return [help_message(ctx.locale, args.strip())]


CORE_COMMANDS: Mapping[str, Handler] = {
    "cap": cap.run,
    "quickwin": quickwin.run,
    "qw": quickwin.run,
    "retex": retex.run,
    "kpi": kpi.run,
    "boussole": admin.run,
    "aide": _help,
    "help": _help,
}


# Shown under an error that brings no example of its own: a correct line of that command.
DEFAULT_EXAMPLES: Mapping[str, str] = {
    "cap": "ex.cap_set",
    "quickwin": "ex.qw_log",
    "qw": "ex.qw_log",
    "retex": "ex.retex",
    "kpi": "ex.kpi",
    "boussole": "ex.role",
}

QUICK_WIN_ERRORS = frozenset(
    {"error.bad_ref", "error.no_such_qw", "qw.log_missing", "qw.closed_already"}
)


@dataclass(frozen=True, slots=True)
class Outcome:
    messages: list[Message]
    replacement: Message | None = None
    changed: bool = False


class _Refused(Exception):
    """Unwinds the transaction (so nothing changes) while carrying the answer to show."""

    def __init__(self, reply: Reply) -> None:
        super().__init__("refused")
        self.reply = reply


class Engine:
    """Channel-agnostic bot. Adapters call it; it never imports them."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        default_locale: str = "fr",
        default_timezone: str = "Europe/Paris",
        extra_commands: Mapping[str, Handler] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.default_locale = parse_locale(default_locale) or Locale.FR
        self.default_timezone = default_timezone
        self.commands: dict[str, Handler] = {**CORE_COMMANDS, **(extra_commands or {})}

    # ------------------------------------------------------------------ entry points
    async def handle(self, command: Command) -> Reply:
        """Apply a typed command. Never raises for bad input: answers a localised error."""
        word, args = split_first(without_controls(command.text))
        name = word.lstrip("/")

        async def run(ctx: Context) -> Outcome:
            try:
                messages = await self._dispatch(ctx, name, args)
            except UserError as error:
                error.example = error.example or DEFAULT_EXAMPLES.get(name, "ex.help")
                raise
            changed = any(not m.is_personal for m in messages)
            return Outcome(messages, changed=changed)

        logged = (
            quickwin.logged_quick_win(args) if self.commands.get(name) is quickwin.run else None
        )
        return await self._apply(
            command.tenant,
            command.actor,
            command.request_key,
            command.mentions,
            run,
            channel=command.channel,
            quick_win=logged,
        )

    async def interact(self, interaction: Interaction) -> Reply:
        """Apply a button click (e.g. cap.ack) or a submitted form."""
        interaction = replace(
            interaction,
            value=without_controls(interaction.value),
            form=clean_values(interaction.form),
        )

        async def run(ctx: Context) -> Outcome:
            if interaction.action == actions.ACK_CAP:
                return await self._ack_button(ctx, interaction.value)
            if interaction.action == actions.SUBMIT_RESULT:
                return await self._submit_result(ctx, interaction.form)
            if interaction.action == actions.SUBMIT_RETEX:
                return await self._submit_retex(ctx, interaction.form)
            raise UserError("error.unknown_action")

        return await self._apply(
            interaction.tenant,
            interaction.actor,
            interaction.request_key,
            {},
            run,
            channel=interaction.channel,
        )

    async def open_form(self, tenant: TenantRef, actor: Actor, action: str, value: str) -> Form:
        """The form behind a button such as quickwin.log.open or retex.open."""
        forms: list[Form] = []

        async def run(ctx: Context) -> Outcome:
            forms.append(await self._form(ctx, action, value))
            return Outcome([])

        reply = await self._apply(tenant, actor, None, {}, run)
        if not forms:
            message = reply.messages[0].text if reply.messages else ""
            return Form(
                title="Boussole", submit_label="OK", submit_action="", inputs=(), intro=message
            )
        return forms[0]

    async def home(self, tenant: TenantRef, actor: Actor) -> Message:
        """A person's home view: the current cap, their quick wins with progress, buttons."""

        async def run(ctx: Context) -> Outcome:
            return Outcome([await home_message(ctx)])

        reply = await self._apply(tenant, actor, None, {}, run)
        return reply.messages[0]

    # ------------------------------------------------------------------ plumbing
    async def _apply(
        self,
        tenant_ref: TenantRef,
        actor_ref: Actor,
        request_key: str | None,
        mentions: Mapping[str, str],
        action: Callable[[Context], Awaitable[Outcome]],
        *,
        channel: str = "",
        quick_win: int | None = None,
    ) -> Reply:
        """Run `action` in one transaction; bad input rolls everything back. `quick_win`: the
        number of a quick win the action reads (a logged result's), read with the first
        statements."""
        tenant_ref, actor_ref = clean_tenant(tenant_ref), clean_actor(actor_ref)
        mentions = clean_values(mentions)
        locale = self.default_locale
        try:
            async with self.store.transaction() as repo:
                now = self.clock.now()
                claimed = False
                if request_key:  # claimed with the first read (one trip on SQLite)
                    tenant, known, claimed = await repo.find_tenant_and_member_claiming(
                        tenant_ref.platform,
                        tenant_ref.external_id,
                        actor_ref.external_id,
                        request_key,
                        now,
                        quick_win_number=quick_win,
                    )
                else:
                    tenant, known = await repo.find_tenant_and_member(
                        tenant_ref.platform, tenant_ref.external_id, actor_ref.external_id
                    )
                if tenant is None:
                    tenant, _ = await repo.get_or_create_tenant(
                        tenant_ref.platform,
                        tenant_ref.external_id,
                        tenant_ref.name,
                        self.default_locale,
                        self.default_timezone,
                    )
                locale = tenant.locale
                if not tenant.active:
                    text = translate(locale, "error.inactive")
                    return Reply(messages=(Message(text, kind="error"),), tenant_id=tenant.id)
                # Not claimed by the first read: a duplicate, or a tenant just created.
                if request_key and not claimed:
                    claimed = await repo.claim_request(tenant.id, request_key, now)
                    if not claimed:
                        return Reply(duplicate=True, tenant_id=tenant.id)
                member, welcomed = await self._member(repo, tenant, actor_ref, known)
                ctx = Context(repo, tenant, member, now, dict(mentions), channel)
                try:
                    outcome = await action(ctx)
                except UserError as error:
                    raise _Refused(self._refusal(ctx.tenant, error)) from None
                messages = list(outcome.messages)
                if welcomed:
                    welcome = translate(
                        ctx.locale, "admin.welcome_director", name=member.display_name
                    )
                    messages.insert(0, Message(welcome, kind="welcome"))
                return Reply(
                    messages=tuple(messages),
                    changed=outcome.changed,
                    tenant_id=tenant.id,
                    replacement=outcome.replacement,
                )
        except _Refused as refused:
            return refused.reply
        except Exception:
            logger.exception(
                "command failed for %s/%s", tenant_ref.platform, tenant_ref.external_id
            )
            return Reply(messages=(Message(translate(locale, "error.internal"), kind="error"),))

    async def _member(
        self, repo: Repository, tenant: Tenant, actor: Actor, member: Member | None
    ) -> tuple[Member, bool]:
        """The acting member (`member`, as read with the tenant), created on first contact;
        the first one becomes director."""
        if member is not None:
            if actor.display_name and actor.display_name != member.display_name:
                await repo.rename_member(tenant.id, member.id, actor.display_name)
            return member, False
        first = not await repo.list_members(tenant.id, Role.DIRECTOR)
        role = Role.DIRECTOR if first else Role.MEMBER
        name = actor.display_name or actor.external_id
        return await repo.add_member(tenant.id, actor.external_id, name, role), first

    def _refusal(self, tenant: Tenant, error: UserError) -> Reply:
        locale = tenant.locale
        message = translate(locale, error.key, **error.values)
        lines = [translate(locale, "error.prefix", message=message)]
        if error.example:
            example = (
                translate(locale, error.example) if error.example in CATALOGUE else error.example
            )
            lines.append(translate(locale, "error.example", example=example))
        text = "\n".join(lines)
        field_errors = {error.field: message} if error.field else {}
        return Reply(
            messages=(Message(text, kind="error"),), tenant_id=tenant.id, field_errors=field_errors
        )

    async def _dispatch(self, ctx: Context, name: str, args: str) -> list[Message]:
        if not name:
            raise UserError("error.empty", example="aide")
        handler = self.commands.get(name)
        if handler is None:
            hint = suggestion(ctx, name, list(self.commands))
            raise UserError("error.unknown_command", word=name, suggestion=hint)
        return await handler(ctx, args)

    # ------------------------------------------------------------------ buttons and forms
    async def _ack_button(self, ctx: Context, value: str) -> Outcome:
        if not value.isdigit():
            raise UserError("error.unknown_action")
        clicked = await ctx.repo.get_cap(ctx.tenant.id, int(value))
        if clicked is None:
            raise UserError("error.unknown_action")
        current = await ctx.repo.current_cap(ctx.tenant.id)
        if current is not None and current.id != clicked.id:
            raise UserError("cap.stale_ack", version=clicked.version, current=current.version)
        confirmation = await cap.acknowledge(ctx, clicked)
        acked, pending = await cap_readers(ctx.repo, ctx.tenant.id, clicked)
        stats = ctx.t("cap.ack_stats", acked=len(acked), total=len(acked) + len(pending))
        author = await ctx.member_name(clicked.author_id)
        replacement = cap_message(
            ctx.tenant, clicked, author, notes=(stats,), visibility=Visibility.CHANNEL
        )
        return Outcome([confirmation], replacement=replacement, changed=True)

    async def _submit_result(self, ctx: Context, form: Mapping[str, str]) -> Outcome:
        ref = form.get("quickwin", "").strip()
        try:
            messages = await quickwin.record_result(
                ctx, ref, form.get("value", ""), form.get("note", "")
            )
        except UserError as error:
            if not error.field:
                error.field = "quickwin" if error.key in QUICK_WIN_ERRORS else "value"
            raise
        return Outcome(messages, changed=True)

    async def _submit_retex(self, ctx: Context, form: Mapping[str, str]) -> Outcome:
        ref = form.get("quickwin", "").strip()
        try:
            linked = await quickwin.find(ctx, ref) if ref else None
        except UserError as error:
            error.field = "quickwin"
            raise
        anonymous = form.get("anonymous", "").strip().lower() in ("true", "1", "yes", "on")
        messages = await retex.share(ctx, form.get("text", ""), anonymous=anonymous, qw=linked)
        return Outcome(messages, changed=True)

    async def _form(self, ctx: Context, action: str, value: str) -> Form:
        active = await ctx.repo.list_quick_wins(ctx.tenant.id, active_only=True)
        choices = tuple(
            Choice(str(qw.number), f"QW-{qw.number} · {qw.title}"[:75]) for qw in active
        )
        initial = value if any(c.value == value for c in choices) else ""
        if action == actions.LOG_RESULT:
            if not choices:
                raise UserError("qw.form.no_quickwin", example="ex.qw_add")
            return Form(
                title=ctx.t("qw.form.title"),
                submit_label=ctx.t("qw.form.submit"),
                submit_action=actions.SUBMIT_RESULT,
                inputs=(
                    ChoiceInput("quickwin", ctx.t("qw.form.quickwin"), choices, initial=initial),
                    TextInput("value", ctx.t("qw.form.value"), placeholder="38,5", max_length=40),
                    TextInput("note", ctx.t("qw.form.note"), required=False, max_length=500),
                ),
            )
        if action == actions.SHARE_RETEX:
            none = Choice("", ctx.t("retex.form.none"))
            return Form(
                title=ctx.t("retex.form.title"),
                submit_label=ctx.t("retex.form.submit"),
                submit_action=actions.SUBMIT_RETEX,
                inputs=(
                    TextInput("text", ctx.t("retex.form.text"), multiline=True, max_length=2000),
                    ChoiceInput(
                        "quickwin",
                        ctx.t("retex.form.quickwin"),
                        (none, *choices),
                        required=False,
                        initial=initial,
                    ),
                    Checkbox("anonymous", ctx.t("retex.form.anonymous")),
                ),
            )
        raise UserError("error.unknown_action")
