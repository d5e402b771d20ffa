"""French-first, English-second message catalogue and the `translate` function."""

from __future__ import annotations

from typing import Final

from bot.model import Locale

CATALOGUE: Final[dict[str, tuple[str, str]]] = {
    # key: (French, English)
    # --- generic
    "error.prefix": ("⚠️ {message}", "⚠️ {message}"),
    "error.example": ("Exemple : {example}", "Example: {example}"),
    "error.internal": (
        "Oups, une erreur interne m'a empêché de répondre. Rien n'a été modifié ; "
        "réessayez dans un instant.",
        "Oops, an internal error stopped me from answering. Nothing was changed; "
        "please try again in a moment.",
    ),
    "error.inactive": (
        "Boussole est désactivé pour cet espace de travail.",
        "Boussole is disabled for this workspace.",
    ),
    "error.empty": (
        "Tapez une commande, par exemple « aide ».",
        "Type a command, for example “help”.",
    ),
    "error.unknown_command": (
        "Commande inconnue : « {word} ».{suggestion} Tapez « aide » pour la liste.",
        "Unknown command: “{word}”.{suggestion} Type “help” for the list.",
    ),
    "error.unknown_subcommand": (
        "« {word} » n'est pas une sous-commande de {command}.{suggestion}",
        "“{word}” is not a subcommand of {command}.{suggestion}",
    ),
    "error.did_you_mean": (" Vouliez-vous dire « {candidate} » ?", " Did you mean “{candidate}”?"),
    "error.director_only": (
        "Seul·e un·e directeur·rice peut {what}.",
        "Only a director can {what}.",
    ),
    "error.lead_only": (
        "Seul·e un·e directeur·rice ou un·e manager peut {what}.",
        "Only a director or a manager can {what}.",
    ),
    "what.cap_set": ("modifier le cap", "change the cap"),
    "what.roles": ("changer les rôles", "change roles"),
    "what.settings": ("changer les réglages", "change settings"),
    "what.qw_add": ("créer un quick win", "create a quick win"),
    "what.qw_close": ("clore un quick win", "close a quick win"),
    "what.kpi": ("demander la synthèse KPI", "ask for the KPI summary"),
    "error.too_long": (
        "Texte trop long : {count} caractères, {limit} au maximum.",
        "Text too long: {count} characters, at most {limit}.",
    ),
    "error.unknown_action": ("Action inconnue.", "Unknown action."),
    # --- numbers, dates, refs
    "error.bad_number": (
        "« {value} » n'est pas un nombre. Utilisez par exemple 38,5 ou 38.5 (une unité ou % "
        "peut suivre).",
        "“{value}” is not a number. Use e.g. 38.5 or 38,5 (a unit or % may follow).",
    ),
    "error.bad_date": (
        "« {value} » n'est pas une date. Écrivez AAAA-MM-JJ ou JJ/MM/AAAA, par ex. 2027-03-31.",
        "“{value}” is not a date. Write YYYY-MM-DD or DD/MM/YYYY, e.g. 2027-03-31.",
    ),
    "error.bad_ref": (
        "« {value} » n'est pas une référence de quick win. Utilisez son numéro : 1, #1 ou QW-1.",
        "“{value}” is not a quick-win reference. Use its number: 1, #1 or QW-1.",
    ),
    "error.no_such_qw": (
        "Aucun quick win QW-{number}. Tapez « qw liste » pour voir les numéros.",
        "No quick win QW-{number}. Type “qw list” to see the numbers.",
    ),
    "error.no_such_member": (
        "Je ne connais personne nommé « {name} ». Mentionnez la personne (@nom).",
        "I know nobody called “{name}”. Mention the person (@name).",
    ),
    "error.ambiguous_member": (
        "Plusieurs personnes s'appellent « {name} » : mentionnez-la avec @.",
        "Several people are called “{name}”: mention them with @.",
    ),
    # --- cap
    "cap.none": (
        "Aucun cap n'est encore défini. Le ou la directeur·rice le pose avec « cap définir "
        "<texte> » (100 mots au plus).",
        "No cap is set yet. The director sets it with “cap set <text>” (100 words at most).",
    ),
    "cap.title": ("🧭 Notre cap (v{version})", "🧭 Our cap (v{version})"),
    "cap.new_title": ("🧭 Nouveau cap (v{version})", "🧭 New cap (v{version})"),
    "cap.meta": (
        "Posé par {author} le {date} · {words} mots",
        "Set by {author} on {date} · {words} words",
    ),
    "cap.ack_button": ("Lu ✅", "Read ✅"),
    "cap.ack_stats": (
        "Lu par {acked}/{total} managers",
        "Read by {acked}/{total} managers",
    ),
    "cap.readers": ("✅ Lu : {names}", "✅ Read: {names}"),
    "cap.not_readers": ("⏳ Pas encore lu : {names}", "⏳ Not read yet: {names}"),
    "cap.acked": (
        "Merci {name}, votre lecture du cap v{version} est enregistrée.",
        "Thanks {name}, your reading of cap v{version} is recorded.",
    ),
    "cap.already_acked": (
        "Vous aviez déjà confirmé la lecture du cap v{version} le {date}.",
        "You had already confirmed reading cap v{version} on {date}.",
    ),
    "cap.acked_by_you": ("✅ Lu par vous le {date}", "✅ Read by you on {date}"),
    "cap.stale_ack": (
        "Ce cap (v{version}) a été remplacé par la v{current}. Tapez « cap » pour lire le nouveau.",
        "This cap (v{version}) has been replaced by v{current}. Type “cap” to read the new one.",
    ),
    "cap.empty": (
        "Le cap ne peut pas être vide.",
        "The cap cannot be empty.",
    ),
    "cap.too_many_words": (
        "Le cap fait {count} mots : 100 au maximum. Raccourcissez-le de {excess} mot(s).",
        "The cap has {count} words: 100 at most. Shorten it by {excess} word(s).",
    ),
    "cap.history_title": ("📜 Historique du cap", "📜 Cap history"),
    "cap.history_line": (
        "v{version} · {date} · {author} : {text}",
        "v{version} · {date} · {author}: {text}",
    ),
    "cap.set_done": (
        "{author} a posé le cap v{version}. Managers, merci de le lire et de cliquer « Lu ✅ ».",
        "{author} set cap v{version}. Managers, please read it and click “Read ✅”.",
    ),
    # --- quick wins
    "qw.title_line": ("QW-{number} · {title}", "QW-{number} · {title}"),
    "qw.none": (
        "Aucun quick win actif. Créez-en un avec « qw ajouter ».",
        "No active quick win. Create one with “qw add”.",
    ),
    "qw.list_title": ("🎯 Quick wins", "🎯 Quick wins"),
    "qw.added": (
        "🎯 Nouveau quick win QW-{number} : {title} — {kpi} de {baseline} à {target} d'ici le "
        "{due}, responsable {owner}.",
        "🎯 New quick win QW-{number}: {title} — {kpi} from {baseline} to {target} by {due}, "
        "owner {owner}.",
    ),
    "qw.missing_fields": (
        "Il manque : {fields}.",
        "Missing: {fields}.",
    ),
    "qw.unknown_field": (
        "Champ inconnu « {name} ». Champs possibles : {fields}.",
        "Unknown field “{name}”. Possible fields: {fields}.",
    ),
    "qw.same_baseline_target": (
        "La référence et la cible sont égales ({value}) : il n'y a rien à améliorer.",
        "Baseline and target are equal ({value}): there is nothing to improve.",
    ),
    "qw.due_in_past": (
        "L'échéance {due} est déjà passée : choisissez une date future.",
        "The due date {due} has passed: choose a future date.",
    ),
    "qw.field_too_long": (
        "Champ « {name} » trop long : {count} caractères, {limit} au maximum.",
        "Field “{name}” too long: {count} characters, at most {limit}.",
    ),
    "qw.name.title": ("titre", "title"),
    "qw.name.kpi": ("kpi", "kpi"),
    "qw.name.unit": ("unité", "unit"),
    "qw.name.baseline": ("base", "baseline"),
    "qw.name.target": ("cible", "target"),
    "qw.name.due": ("échéance", "due"),
    "qw.logged": (
        "📈 {author} a saisi {value} pour QW-{number} « {title} » : {progress} de "
        "l'objectif, {status}.",
        "📈 {author} logged {value} for QW-{number} “{title}”: {progress} of the goal, {status}.",
    ),
    "qw.log_missing": ("Indiquez le quick win et la valeur.", "Give the quick win and the value."),
    "qw.unit_mismatch": (
        "L'unité « {given} » ne correspond pas à celle de ce quick win ({unit}).",
        "Unit “{given}” does not match this quick win's unit ({unit}).",
    ),
    "qw.closed_already": (
        "QW-{number} est clos ({state}) : on ne peut plus y saisir de résultat.",
        "QW-{number} is closed ({state}): no more results can be logged.",
    ),
    "qw.close_how": (
        "Dites comment il se termine : « fait » ou « abandonné ».",
        "Say how it ends: “done” or “abandoned”.",
    ),
    "qw.closed": (
        "🏁 QW-{number} « {title} » est clos : {state}. Dernière valeur : {latest}.",
        "🏁 QW-{number} “{title}” is closed: {state}. Latest value: {latest}.",
    ),
    "qw.celebration": (
        "🎉 Objectif atteint ! QW-{number} « {title} » : {kpi} est passé de {baseline} à "
        "{latest} (cible {target}). Bravo {owner} et toute l'équipe !",
        "🎉 Target reached! QW-{number} “{title}”: {kpi} went from {baseline} to {latest} "
        "(target {target}). Well done {owner} and the whole team!",
    ),
    "qw.field.kpi": ("Indicateur", "KPI"),
    "qw.field.baseline": ("Référence", "Baseline"),
    "qw.field.latest": ("Dernière valeur", "Latest"),
    "qw.field.target": ("Cible", "Target"),
    "qw.field.due": ("Échéance", "Due"),
    "qw.field.owner": ("Responsable", "Owner"),
    "qw.field.status": ("Statut", "Status"),
    "qw.field.trend": ("Tendance", "Trend"),
    "qw.history_title": ("Historique", "History"),
    "qw.history_line": ("{date} · {value}{note} ({author})", "{date} · {value}{note} ({author})"),
    "qw.no_measure": ("Aucun résultat saisi", "No result logged"),
    "qw.progress_label": ("{progress} de l'objectif", "{progress} of the goal"),
    "qw.summary_line": (
        "QW-{number} {title} : {baseline} → {latest} → {target} · {progress} · {status} · {age} {trend}",
        "QW-{number} {title}: {baseline} → {latest} → {target} · {progress} · {status} · {age} {trend}",
    ),
    "qw.log_button": ("Saisir un résultat", "Log a result"),
    "qw.form.title": ("Saisir un résultat", "Log a result"),
    "qw.form.quickwin": ("Quick win", "Quick win"),
    "qw.form.value": ("Valeur", "Value"),
    "qw.form.note": ("Note (facultatif)", "Note (optional)"),
    "qw.form.submit": ("Enregistrer", "Save"),
    "qw.form.no_quickwin": (
        "Aucun quick win actif : créez-en un d'abord avec « qw ajouter ».",
        "No active quick win: create one first with “qw add”.",
    ),
    "state.active": ("actif", "active"),
    "state.done": ("fait ✅", "done ✅"),
    "state.abandoned": ("abandonné", "abandoned"),
    "status.on_track": ("🟢 en bonne voie", "🟢 on track"),
    "status.at_risk": ("🟠 à risque", "🟠 at risk"),
    "status.reached": ("🏆 objectif atteint", "🏆 target reached"),
    "status.overdue": ("🔴 en retard", "🔴 overdue"),
    "trend.up": ("↗ en progrès", "↗ improving"),
    "trend.down": ("↘ en recul", "↘ worsening"),
    "trend.flat": ("→ stable", "→ steady"),
    "age.never": ("jamais mesuré", "never measured"),
    "age.today": ("mesuré aujourd'hui", "measured today"),
    "age.days": ("mesuré il y a {days} j", "measured {days} d ago"),
    # --- retex
    "retex.empty": (
        "Racontez votre retour d'expérience après « retex ».",
        "Tell your lesson learned after “retex”.",
    ),
    "retex.shared": (
        "💡 Retour d'expérience — {author}{link} : {text}",
        "💡 Lesson learned — {author}{link}: {text}",
    ),
    "retex.anonymous": ("une personne de l'équipe", "a team member"),
    "retex.link": (" (QW-{number} {title})", " (QW-{number} {title})"),
    "retex.none": ("Aucun retour d'expérience pour l'instant.", "No lessons learned yet."),
    "retex.list_title": ("💡 Retours d'expérience récents", "💡 Recent lessons learned"),
    "retex.list_line": ("{date} · {author}{link} : {text}", "{date} · {author}{link}: {text}"),
    "retex.button": ("Partager un retex", "Share a lesson"),
    "retex.form.title": ("Retour d'expérience", "Lesson learned"),
    "retex.form.text": ("Qu'avez-vous appris ?", "What did you learn?"),
    "retex.form.quickwin": ("Quick win lié (facultatif)", "Related quick win (optional)"),
    "retex.form.none": ("Aucun", "None"),
    "retex.form.anonymous": ("Partager anonymement", "Share anonymously"),
    "retex.form.submit": ("Partager", "Share"),
    # --- kpi
    "kpi.title": ("📊 Synthèse KPI — {tenant}", "📊 KPI summary — {tenant}"),
    "kpi.cap": (
        "Cap v{version}, posé il y a {days} j · lu par {acked}/{total} managers",
        "Cap v{version}, set {days} d ago · read by {acked}/{total} managers",
    ),
    "kpi.no_cap": ("Aucun cap défini.", "No cap set."),
    "kpi.quickwins": ("Quick wins actifs", "Active quick wins"),
    "kpi.retex": (
        "{count} retour(s) d'expérience sur 30 jours",
        "{count} lesson(s) learned in the last 30 days",
    ),
    "kpi.overdue": ("⏰ En retard : {items}", "⏰ Overdue: {items}"),
    "kpi.nothing_overdue": ("Rien en retard.", "Nothing overdue."),
    "kpi.missed": (
        "⚠️ Rituels manqués : {items}",
        "⚠️ Missed rituals: {items}",
    ),
    # --- examples shown under errors
    "ex.qw_add": (
        'qw ajouter "Relance factures automatisée" kpi="Délai de paiement" unité=jours '
        "base=52 cible=38 échéance=2027-03-31 resp=@marie",
        'qw add "Automated invoice reminders" kpi="Days to get paid" unit=days '
        "baseline=52 target=38 due=2027-03-31 owner=@marie",
    ),
    "ex.qw_log": ("qw saisir QW-1 38,5 relances envoyées", "qw log QW-1 38.5 reminders sent"),
    "ex.qw_close": ("qw clore QW-1 fait", "qw close QW-1 done"),
    "ex.cap_set": (
        "cap définir Devenir la PME de référence à l'export d'ici 2028…",
        "cap set Become the reference SME for exports by 2028…",
    ),
    "ex.retex": (
        "retex qw=1 anonyme Les relances automatiques ont besoin d'un ton humain.",
        "retex qw=1 anonymous Automated reminders need a human tone.",
    ),
    "ex.help": ("aide qw", "help qw"),
    "ex.kpi": ("kpi", "kpi"),
    "ex.role": ("boussole role @marie manager", "boussole role @marie manager"),
    "ex.timezone": ("boussole fuseau Europe/Paris", "boussole timezone Europe/Paris"),
    "ex.locale": ("boussole langue en", "boussole language fr"),
    # --- admin
    "admin.role_set": ("{name} est maintenant {role}.", "{name} is now {role}."),
    "admin.last_director": (
        "Impossible : {name} est le ou la seul·e directeur·rice. Nommez d'abord quelqu'un d'autre.",
        "Not possible: {name} is the only director. Appoint someone else first.",
    ),
    "admin.bad_role": (
        "Rôle inconnu « {value} ». Rôles : directeur, manager, membre.",
        "Unknown role “{value}”. Roles: director, manager, member.",
    ),
    "admin.members_title": ("👥 Membres et rôles", "👥 Members and roles"),
    "admin.member_line": ("{name} · {role}", "{name} · {role}"),
    "role.director": ("directeur·rice", "director"),
    "role.manager": ("manager", "manager"),
    "role.member": ("membre", "member"),
    "admin.bad_locale": (
        "Langue inconnue « {value} ». Langues : fr, en.",
        "Unknown language “{value}”. Languages: fr, en.",
    ),
    "admin.locale_set": ("Langue réglée sur le français.", "Language set to English."),
    "admin.bad_timezone": (
        "Fuseau horaire inconnu « {value} ». Utilisez un nom IANA comme Europe/Paris.",
        "Unknown time zone “{value}”. Use an IANA name such as Europe/Paris.",
    ),
    "admin.timezone_set": ("Fuseau horaire réglé sur {value}.", "Time zone set to {value}."),
    "admin.settings": (
        "⚙️ Réglages : langue {locale}, fuseau {timezone}.",
        "⚙️ Settings: language {locale}, time zone {timezone}.",
    ),
    "admin.welcome_director": (
        "Bienvenue {name} ! Vous êtes la première personne ici : vous êtes directeur·rice. "
        "Commencez par poser le cap : « cap définir <texte> ».",
        "Welcome {name}! You are the first person here, so you are the director. "
        "Start by setting the cap: “cap set <text>”.",
    ),
}

_INDEX: Final = {Locale.FR: 0, Locale.EN: 1}


def translate(locale: Locale, key: str, /, **values: object) -> str:
    """The message `key` in `locale`, formatted with `values`."""
    template = CATALOGUE[key][_INDEX[locale]]
    return template.format(**values) if values else template


def parse_locale(value: str) -> Locale | None:
    lowered = value.strip().lower()
    aliases = {
        "fr": Locale.FR,
        "français": Locale.FR,
        "francais": Locale.FR,
        "french": Locale.FR,
        "en": Locale.EN,
        "anglais": Locale.EN,
        "english": Locale.EN,
    }
    return aliases.get(lowered)
