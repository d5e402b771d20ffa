"""`boussole db upgrade|current`: apply or report the Alembic migrations."""

from __future__ import annotations

from main.settings import Settings
from storage.database import Database, head_revisions


async def db_command(settings: Settings, action: str) -> int:
    database = Database.from_url(settings.database_url)
    try:
        if action == "upgrade":
            await database.upgrade()
        current = await database.current_revisions()
        heads = await head_revisions()
        print(f"database: {database.engine.url.render_as_string()}")
        print(f"current:  {', '.join(current) or '(empty)'}")
        print(f"heads:    {', '.join(heads)}")
        return 0 if action == "upgrade" or set(current) == set(heads) else 1
    finally:
        await database.dispose()
