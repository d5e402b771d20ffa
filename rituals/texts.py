"""The rituals layer's French and English texts, added to the core catalogue, and its help topic."""

from __future__ import annotations

from typing import Final

from bot.help import register_topic
from bot.i18n import CATALOGUE
from bot.model import Locale

TEXTS: Final[dict[str, tuple[str, str]]] = {
    # --- kinds, roles, days, months
    "ritual.kind.cap_reminder": ("rappel du cap", "cap reminder"),
    "ritual.kind.cap_nudge": ("relance du cap", "cap nudge"),
    "ritual.kind.quickwin_progress": ("point quick wins", "quick-win check-in"),
    "ritual.kind.retex": ("appel à retex et bilan", "retex prompt and digest"),
    "ritual.kind.kpi_review": ("revue KPI", "KPI review"),
    "ritual.icon.cap_reminder": ("🧭", "🧭"),
    "ritual.icon.cap_nudge": ("⏳", "⏳"),
    "ritual.icon.quickwin_progress": ("📈", "📈"),
    "ritual.icon.retex": ("💡", "💡"),
    "ritual.icon.kpi_review": ("📊", "📊"),
    "ritual.role.manager": ("managers", "managers"),
    "ritual.role.director": ("direction", "directors"),
    "ritual.role.member": ("membres", "members"),
    "ritual.day.0": ("lundi", "Monday"),
    "ritual.day.1": ("mardi", "Tuesday"),
    "ritual.day.2": ("mercredi", "Wednesday"),
    "ritual.day.3": ("jeudi", "Thursday"),
    "ritual.day.4": ("vendredi", "Friday"),
    "ritual.day.5": ("samedi", "Saturday"),
    "ritual.day.6": ("dimanche", "Sunday"),
    "ritual.month.1": ("janvier", "January"),
    "ritual.month.2": ("février", "February"),
    "ritual.month.3": ("mars", "March"),
    "ritual.month.4": ("avril", "April"),
    "ritual.month.5": ("mai", "May"),
    "ritual.month.6": ("juin", "June"),
    "ritual.month.7": ("juillet", "July"),
    "ritual.month.8": ("août", "August"),
    "ritual.month.9": ("septembre", "September"),
    "ritual.month.10": ("octobre", "October"),
    "ritual.month.11": ("novembre", "November"),
    "ritual.month.12": ("décembre", "December"),
    "ritual.nth.1": ("1er", "first"),
    "ritual.nth.2": ("2e", "second"),
    "ritual.nth.3": ("3e", "third"),
    "ritual.nth.4": ("4e", "fourth"),
    "ritual.nth.-1": ("dernier", "last"),
    "ritual.and": (" et ", " and "),
    # --- schedules and times in words
    "ritual.every_hour": ("chaque heure à :{minute}", "every hour at :{minute}"),
    "ritual.every_day": ("chaque jour à {time}", "every day at {time}"),
    "ritual.every_weekday": ("chaque {day} à {time}", "every {day} at {time}"),
    "ritual.some_weekdays": ("{days} à {time}", "{days} at {time}"),
    "ritual.workdays": ("du lundi au vendredi à {time}", "Monday to Friday at {time}"),
    "ritual.monthly": ("le {nth} {day} du mois à {time}", "the {nth} {day} of the month at {time}"),
    "ritual.date": ("{day} {number} {month} à {time}", "{day} {number} {month} at {time}"),
    "ritual.in_minutes": ("dans {count} min", "in {count} min"),
    "ritual.in_hours": ("dans {count} h", "in {count} h"),
    "ritual.tomorrow": ("demain", "tomorrow"),
    "ritual.in_days": ("dans {count} jours", "in {count} days"),
    "ritual.when": ("{date} ({relative})", "{date} ({relative})"),
    "ritual.never": ("—", "—"),
    # --- list
    "ritual.list_title": ("🗓️ Rituels", "🗓️ Rituals"),
    "ritual.list_line": (
        "#{number} {icon} {name} · {schedule} · {target}{details}\n    prochain : {next}",
        "#{number} {icon} {name} · {schedule} · {target}{details}\n    next: {next}",
    ),
    "ritual.none": (
        "Aucun rituel. Ajoutez-en un : « rituel ajouter quickwins vendredi 16:00 ».",
        "No ritual. Add one: “ritual add quickwins friday 16:00”.",
    ),
    "ritual.target.channel": ("#{channel}", "#{channel}"),
    "ritual.target.no_channel": (
        "canal d'équipe à choisir (« rituel canal #général »)",
        "team channel not chosen (“ritual channel #general”)",
    ),
    "ritual.target.role": ("✉️ {role} en privé", "✉️ {role} by direct message"),
    "ritual.detail.paused": (" · ⏸ en pause", " · ⏸ paused"),
    "ritual.detail.skip": (" · ⏭ saute le passage du {when}", " · ⏭ skips the run of {when}"),
    "ritual.detail.holidays": (
        " · sauf fériés ({country})",
        " · except public holidays ({country})",
    ),
    "ritual.detail.zone": (" · fuseau {zone}", " · time zone {zone}"),
    "ritual.celebration_note": (
        "🎉 Célébration : publiée par la commande elle-même dès qu'un résultat saisi atteint "
        "la cible (une seule fois par quick win).",
        "🎉 Celebration: posted by the command itself as soon as a logged result reaches the "
        "target (once per quick win).",
    ),
    "ritual.list_footer": (
        "Direction : rituel ajouter | modifier | pause | reprendre | maintenant | sauter | "
        "supprimer | canal — « aide rituel » pour le détail.",
        "Director: ritual add | edit | pause | resume | now | skip | delete | channel — "
        "“help ritual” for details.",
    ),
    # --- changes
    "what.rituals": ("modifier les rituels", "change rituals"),
    "ritual.added": (
        "🗓️ Rituel #{number} ajouté : {name}, {schedule}, {target}. Prochain : {next}.",
        "🗓️ Ritual #{number} added: {name}, {schedule}, {target}. Next: {next}.",
    ),
    "ritual.edited": (
        "🗓️ Rituel #{number} modifié : {name}, {schedule}, {target}. Prochain : {next}.",
        "🗓️ Ritual #{number} changed: {name}, {schedule}, {target}. Next: {next}.",
    ),
    "ritual.cancelled_pending": (
        " {count} message(s) en attente de l'ancien réglage annulé(s).",
        " {count} pending message(s) of the previous setting cancelled.",
    ),
    "ritual.paused": (
        "⏸ Rituel #{number} ({name}) mis en pause.",
        "⏸ Ritual #{number} ({name}) paused.",
    ),
    "ritual.resumed": (
        "▶️ Rituel #{number} ({name}) repris. Prochain : {next}.",
        "▶️ Ritual #{number} ({name}) resumed. Next: {next}.",
    ),
    "ritual.already_paused": (
        "Le rituel #{number} est déjà en pause.",
        "Ritual #{number} is already paused.",
    ),
    "ritual.not_paused": (
        "Le rituel #{number} n'est pas en pause.",
        "Ritual #{number} is not paused.",
    ),
    "ritual.now_queued": (
        "▶️ Rituel #{number} ({name}) lancé : {count} message(s) en route.",
        "▶️ Ritual #{number} ({name}) started: {count} message(s) on their way.",
    ),
    "ritual.now_nothing": (
        "Rituel #{number} ({name}) : rien à envoyer pour l'instant ({reason}).",
        "Ritual #{number} ({name}): nothing to send right now ({reason}).",
    ),
    "ritual.now_twice": (
        "Le rituel #{number} vient d'être lancé : réessayez dans une seconde.",
        "Ritual #{number} was just started: try again in a second.",
    ),
    "ritual.skip_set": (
        "⏭ Rituel #{number} ({name}) : le passage du {when} sera sauté.",
        "⏭ Ritual #{number} ({name}): the run of {when} will be skipped.",
    ),
    "ritual.deleted": (
        "🗑 Rituel #{number} ({name}) supprimé.",
        "🗑 Ritual #{number} ({name}) deleted.",
    ),
    "ritual.channel_set": (
        "Canal de l'équipe : #{channel} ({count} rituel(s) y publient).",
        "Team channel: #{channel} ({count} ritual(s) post there).",
    ),
    "ritual.reason.nobody": ("personne à qui l'envoyer", "nobody to send it to"),
    "ritual.reason.nothing": ("rien à dire", "nothing to say"),
    # --- errors
    "ritual.bad_schedule": (
        "Horaire incompris : « {value} ».",
        "Schedule not understood: “{value}”.",
    ),
    "ritual.unknown_word": (
        "Horaire incompris : je ne connais pas « {word} ».",
        "Schedule not understood: I don't know “{word}”.",
    ),
    "ritual.numeric_weekday": (
        "« {value} » : écrivez le jour en toutes lettres (lundi, mardi…). Un numéro de jour est "
        "ambigu : 1, est-ce lundi ou dimanche ?",
        "“{value}”: write the day in words (Monday, Tuesday…). A day number is ambiguous: is 1 "
        "Monday or Sunday?",
    ),
    "ritual.no_cron": (
        "Les expressions cron ne sont pas acceptées : écrivez l'horaire en mots.",
        "Cron expressions are not accepted: write the schedule in words.",
    ),
    "ritual.too_often": (
        "Un rituel tourne au plus une fois par heure.",
        "A ritual runs at most once an hour.",
    ),
    "ritual.bad_time": (
        "Heure invalide « {value} » : écrivez 09:00, 9h ou 9h30.",
        "Invalid time “{value}”: write 09:00, 9:00 or 9am.",
    ),
    "ritual.one_time": (
        "Une seule heure par rituel : créez un second rituel pour une autre heure.",
        "One time per ritual: add a second ritual for another time.",
    ),
    "ritual.missing_time": (
        "Précisez l'heure, par exemple « lundi 09:00 ».",
        "Give the time, for example “monday 9:00”.",
    ),
    "ritual.missing_days": (
        "Précisez le jour : « chaque jour 08:30 », « lundi 09:00 », « 1er mardi du mois 10:00 ».",
        "Say which day: “every day 8:30”, “monday 9:00”, “first tuesday 10:00”.",
    ),
    "ritual.monthly_one_day": (
        "Un rituel mensuel tombe un seul jour : « 1er mardi du mois 10:00 » ou « dernier "
        "vendredi 16h ».",
        "A monthly ritual falls on one day: “first tuesday 10:00” or “last friday 4pm”.",
    ),
    "ritual.bad_timezone": (
        "Fuseau horaire inconnu « {value} ». Utilisez un nom IANA comme Europe/Paris ou "
        "America/New_York.",
        "Unknown time zone “{value}”. Use an IANA name such as Europe/Paris or America/New_York.",
    ),
    "ritual.too_many": (
        "{target} a déjà {count} rituels : {limit} au maximum par canal. Mettez-en un en pause "
        "ou choisissez un autre canal.",
        "{target} already has {count} rituals: at most {limit} per channel. Pause one or choose "
        "another channel.",
    ),
    "ritual.no_such": (
        "Aucun rituel #{number}. Tapez « rituel liste » pour voir les numéros.",
        "No ritual #{number}. Type “ritual list” to see the numbers.",
    ),
    "ritual.missing_number": (
        "Indiquez le numéro du rituel (« rituel liste » les donne).",
        "Give the ritual's number (“ritual list” shows them).",
    ),
    "ritual.bad_kind": (
        "Type de rituel inconnu « {value} ». Types : cap, relance, quickwins, retex, kpi.",
        "Unknown ritual type “{value}”. Types: cap, nudge, quickwins, retex, kpi.",
    ),
    "ritual.bad_target": (
        "Cible inconnue « {value} » : un canal (#général), équipe, managers, direction ou membres.",
        "Unknown target “{value}”: a channel (#general), team, managers, directors or members.",
    ),
    "ritual.bad_option": (
        "Option inconnue « {option} ». Options : cible=, fuseau=, fériés=.",
        "Unknown option “{option}”. Options: target=, timezone=, holidays=.",
    ),
    "ritual.bad_holidays": (
        "« {value} » : écrivez fériés=oui, fériés=non ou un code pays (fériés=FR).",
        "“{value}”: write holidays=yes, holidays=no or a country code (holidays=US).",
    ),
    "ritual.nothing_to_change": (
        "Rien à modifier : donnez un horaire ou une option (cible=, fuseau=, fériés=).",
        "Nothing to change: give a schedule or an option (target=, timezone=, holidays=).",
    ),
    "ritual.missing_channel": (
        "Indiquez le canal : « rituel canal #général », ou tapez « rituel canal ici » dans le "
        "canal voulu.",
        "Give the channel: “ritual channel #general”, or type “ritual channel here” in the "
        "channel you want.",
    ),
    "ritual.nothing_to_skip": (
        "Le rituel #{number} est en pause : il n'y a pas de prochain passage à sauter.",
        "Ritual #{number} is paused: there is no next run to skip.",
    ),
    "ritual.ex.add": (
        "rituel ajouter quickwins mercredi 16:00 cible=#production",
        "ritual add quickwins wednesday 4pm target=#production",
    ),
    "ritual.ex.schedule": ("rituel modifier 3 vendredi 15h30", "ritual edit 3 friday 3:30pm"),
    "ritual.ex.monthly": (
        "rituel modifier 4 1er mardi du mois 10:00",
        "ritual edit 4 first tuesday 10:00",
    ),
    "ritual.ex.timezone": (
        "rituel modifier 1 lundi 09:00 fuseau=Europe/Paris",
        "ritual edit 1 monday 9:00 timezone=America/New_York",
    ),
    "ritual.ex.number": ("rituel pause 2", "ritual pause 2"),
    "ritual.ex.channel": ("rituel canal #général", "ritual channel #general"),
    "ritual.ex.holidays": ("rituel modifier 1 fériés=non", "ritual edit 1 holidays=no"),
    # --- posts
    "ritual.late": ("⏰ Publié en retard : prévu {when}.", "⏰ Posted late: planned for {when}."),
    "ritual.no_channel_note": (
        "ℹ️ Ce message est destiné au canal de l'équipe, pas encore choisi : « rituel canal "
        "#général ».",
        "ℹ️ This message is meant for the team channel, not chosen yet: “ritual channel #general”.",
    ),
    "ritual.cap.reminder": (
        "📅 Le rappel de la semaine : relisez le cap et cliquez « Lu ✅ ».",
        "📅 This week's reminder: read the cap again and click “Read ✅”.",
    ),
    "ritual.cap.read_on": ("✅ Vous l'avez lu le {date}.", "✅ You read it on {date}."),
    "ritual.cap.nudge": (
        "⏳ Vous n'avez pas encore confirmé la lecture du cap v{version} : deux minutes suffisent.",
        "⏳ You have not confirmed reading cap v{version} yet: it takes two minutes.",
    ),
    "ritual.cap.none": (
        "🧭 C'est l'heure du {name}, mais aucun cap n'est défini. Posez-le : « cap définir "
        "<texte> ».",
        "🧭 It is time for the {name}, but no cap is set. Set it: “cap set <text>”.",
    ),
    "ritual.qw.title": ("📈 Point quick wins — {date}", "📈 Quick-win check-in — {date}"),
    "ritual.qw.footer": (
        "Saisissez vos résultats : « qw saisir <n°> <valeur> ».",
        "Log your results: “qw log <no.> <value>”.",
    ),
    "ritual.qw.nudge": (
        "👋 {name}, aucun résultat saisi depuis le dernier point ({since}) pour : {items}. Un "
        "chiffre, même provisoire, garde l'équipe alignée.",
        "👋 {name}, no result logged since the last check-in ({since}) for: {items}. A number, "
        "even a rough one, keeps the team aligned.",
    ),
    "ritual.retex.title": (
        "💡 Retours d'expérience — bilan {of_month}",
        "💡 Lessons learned — {month} digest",
    ),
    "ritual.of_month": ("de {month}", "of {month}"),
    "ritual.of_month_elided": ("d'{month}", "of {month}"),
    "ritual.retex.count": (
        "{count} retour(s) partagé(s) en {month} :",
        "{count} lesson(s) shared in {month}:",
    ),
    "ritual.retex.none": ("Aucun retour partagé en {month}.", "No lesson shared in {month}."),
    "ritual.retex.prompt": (
        "Qu'avez-vous appris ce mois-ci ? Un succès, un échec, une surprise : partagez-le avec "
        "« retex <texte> » (anonyme possible).",
        "What did you learn this month? A success, a failure, a surprise: share it with "
        "“retex <text>” (anonymous allowed).",
    ),
    "ritual.kpi.note": ("🗓️ Rituel : revue des indicateurs.", "🗓️ Ritual: KPI review."),
}

HELP: Final[dict[Locale, str]] = {
    Locale.FR: (
        "rituel liste — les rituels, leur horaire en mots et leur prochain passage\n"
        "rituel ajouter <type> <horaire> [cible=#canal|équipe|managers|direction|membres] "
        "[fuseau=<IANA>] [fériés=oui|non|<pays>] — (direction) ; types : cap, relance, "
        "quickwins, retex, kpi\n"
        "rituel modifier <n°> [<horaire>] [cible=…] [fuseau=…] [fériés=…] — (direction)\n"
        "rituel pause|reprendre|maintenant|sauter|supprimer <n°> — (direction) ; « sauter » "
        "saute le prochain passage, « maintenant » le lance tout de suite\n"
        "rituel canal #canal — (direction) le canal de l'équipe\n"
        "Horaires : « chaque jour 08:30 », « lundi 9h », « lundi et jeudi 9h », « du lundi "
        "au vendredi 8h30 », « 1er mardi du mois 10:00 », « dernier vendredi 16h », « chaque "
        "heure à :15 », suivis d'un fuseau au besoin (« lundi 9h America/New_York »). Les "
        "jours s'écrivent en toutes lettres ; au plus une fois par heure ; 8 rituels au plus "
        "par canal. Par défaut les rituels sautent les jours fériés du pays du fuseau.\n"
        "Par défaut : rappel du cap lundi 9h aux managers, relance jeudi 10h à ceux qui ne "
        "l'ont pas lu, point quick wins vendredi 16h dans le canal, retex le 1er mardi du mois "
        "10h, revue KPI le 1er lundi du mois 9h à la direction."
    ),
    Locale.EN: (
        "ritual list — the rituals, their schedule in words and their next run\n"
        "ritual add <type> <schedule> [target=#channel|team|managers|directors|members] "
        "[timezone=<IANA>] [holidays=yes|no|<country>] — (director); types: cap, nudge, "
        "quickwins, retex, kpi\n"
        "ritual edit <no.> [<schedule>] [target=…] [timezone=…] [holidays=…] — (director)\n"
        "ritual pause|resume|now|skip|delete <no.> — (director); “skip” skips the next run, "
        "“now” runs it at once\n"
        "ritual channel #channel — (director) the team channel\n"
        "Schedules: “every day 8:30”, “monday 9:00”, “monday and thursday 9am”, “weekdays "
        "8:30”, “first tuesday 10:00”, “last friday 4pm”, “every hour at :15”, followed by a "
        "time zone if needed (“monday 9:00 America/New_York”). Days are written in words; at "
        "most once an hour; at most 8 rituals per channel. By default rituals skip the public "
        "holidays of the time zone's country.\n"
        "Defaults: cap reminder Monday 9:00 to managers, nudge Thursday 10:00 to those who "
        "have not read it, quick-win check-in Friday 16:00 in the channel, retex first Tuesday "
        "10:00, KPI review first Monday 9:00 to the director."
    ),
}

CATALOGUE.update(TEXTS)
register_topic("rituel", HELP, "ritual", "rituels", "rituals")
