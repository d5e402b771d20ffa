"""The Teams app package (manifest + icons, zipped) that an admin uploads to install Boussole."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any, Final

from adapters.teams.config import TeamsConfig, TeamsConfigError
from adapters.teams.icons import color_icon, outline_icon

MANIFEST_VERSION: Final = "1.17"
MANIFEST_SCHEMA: Final = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/"
    f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
LOCALIZATION_SCHEMA: Final = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/"
    f"v{MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json"
)
PACKAGE_FILE_NAME: Final = "boussole-teams-app.zip"
SCOPES: Final = ("personal", "team", "groupChat")
MAX_COMMANDS: Final = 10
MAX_COMMAND_TITLE: Final = 32
MAX_COMMAND_DESCRIPTION: Final = 128
ACCENT_COLOR: Final = "#1F4E79"
_GUID: Final = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_ZIP_DATE: Final = (2026, 1, 1, 0, 0, 0)

# (command, French description, English description): the core's command names.
COMMANDS: Final = (
    ("aide", "Les commandes et des exemples", "Commands and examples"),
    ("cap", "Voir, définir ou relire le cap", "See, set or review the heading"),
    ("quickwin", "Quick wins : lister, créer, mesurer (alias qw)", "Quick wins: list, create, log"),
    ("qw", "Raccourci de quickwin, ex. qw log 1 38,5", "Short for quickwin, e.g. qw log 1 38.5"),
    ("retex", "Partager ou lire un retour d'expérience", "Share or read lessons learned"),
    ("kpi", "La synthèse des indicateurs", "The indicators summary"),
    ("rituel", "Les rituels de suivi et leur planning", "Follow-up rituals and their schedule"),
    ("boussole", "Rôles et réglages (boussole help)", "Roles and settings (boussole help)"),
)

TEXTS: Final = {
    "fr": {
        "name.short": "Boussole",
        "name.full": "Boussole – suivi de la transformation numérique",
        "description.short": "Le cap, les quick wins et les retex de votre transformation.",
        "description.full": (
            "Boussole garde vivant le plan de transformation numérique de votre entreprise : "
            "un cap de 100 mots partagé avec les managers, des quick wins mesurés par rapport "
            "à une base et une cible, des retours d'expérience, des indicateurs visibles et des "
            "rituels de gouvernance réguliers."
        ),
    },
    "en": {
        "name.short": "Boussole",
        "name.full": "Boussole – digital transformation follow-up",
        "description.short": "Your transformation's heading, quick wins and lessons learned.",
        "description.full": (
            "Boussole keeps your company's digital-transformation plan alive: a 100-word "
            "heading shared with managers, quick wins measured against a baseline and a target, "
            "lessons learned, visible indicators and regular governance rituals."
        ),
    },
}


def manifest(config: TeamsConfig) -> dict[str, Any]:
    """The app manifest (v1.17), French by default with an English localisation."""
    if not _GUID.match(config.app_id):
        raise TeamsConfigError("the app package needs TEAMS_APP_ID, the bot's Entra app id (GUID)")
    texts = TEXTS["fr"]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": config.app_version,
        "id": config.app_id,
        "developer": {
            "name": config.developer_name,
            "websiteUrl": config.website_url,
            "privacyUrl": config.privacy_url,
            "termsOfUseUrl": config.terms_url,
        },
        "name": {"short": texts["name.short"], "full": texts["name.full"]},
        "description": {"short": texts["description.short"], "full": texts["description.full"]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT_COLOR,
        "localizationInfo": {
            "defaultLanguageTag": "fr",
            "additionalLanguages": [{"languageTag": "en", "file": "en.json"}],
        },
        "bots": [
            {
                "botId": config.app_id,
                "scopes": list(SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": list(SCOPES),
                        "commands": [
                            {"title": name, "description": fr} for name, fr, _en in COMMANDS
                        ],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def english_localization() -> dict[str, Any]:
    texts = TEXTS["en"]
    localized: dict[str, Any] = {"$schema": LOCALIZATION_SCHEMA, **texts}
    for index, (name, _fr, en) in enumerate(COMMANDS):
        localized[f"bots[0].commandLists[0].commands[{index}].title"] = name
        localized[f"bots[0].commandLists[0].commands[{index}].description"] = en
    return localized


def _entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def package_bytes(config: TeamsConfig) -> bytes:
    """The zip, byte-for-byte reproducible for a given configuration."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _entry(archive, "manifest.json", _json(manifest(config)))
        _entry(archive, "en.json", _json(english_localization()))
        _entry(archive, "color.png", color_icon())
        _entry(archive, "outline.png", outline_icon())
    return buffer.getvalue()


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def build_package(config: TeamsConfig, out_path: Path) -> Path:
    """Write the app package to `out_path`: a path ending in .zip, or else a directory
    (created if needed) that receives boussole-teams-app.zip. Returns the zip's path."""
    target = out_path if out_path.suffix.lower() == ".zip" else out_path / PACKAGE_FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(package_bytes(config))
    return target
