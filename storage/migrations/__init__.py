"""Alembic script directory of Boussole, with the in-code Config and the metadata it targets."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection, MetaData

MIGRATIONS_DIR = Path(__file__).resolve().parent


def model_modules() -> list[str]:
    """The modules that declare tables: `storage.models` and every `storage.*_models`."""
    storage_dir = MIGRATIONS_DIR.parent
    names = [
        info.name
        for info in pkgutil.iter_modules([str(storage_dir)])
        if not info.ispkg and (info.name == "models" or info.name.endswith("_models"))
    ]
    return [f"storage.{name}" for name in sorted(names)]


def target_metadata() -> MetaData:
    """The metadata migrations must produce: Base.metadata with every model module imported."""
    for module in model_modules():
        importlib.import_module(module)
    from storage.models import Base

    return Base.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config built in code (no alembic.ini), optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # revision ids name their files: --rev-id 0005_outbox writes versions/0005_outbox.py
    config.set_main_option("file_template", "%%(rev)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config
