"""Slack installation, bot and OAuth-state tables, exactly as slack_sdk's SQLAlchemy stores use them."""

from __future__ import annotations

from typing import Final

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Table

from storage.models import Base

SLACK_INSTALLATIONS_TABLE: Final = SQLAlchemyInstallationStore.default_installations_table_name
SLACK_BOTS_TABLE: Final = SQLAlchemyInstallationStore.default_bots_table_name
SLACK_OAUTH_STATES_TABLE: Final = SQLAlchemyOAuthStateStore.default_table_name

# Declared with slack_sdk's own builders on Boussole's metadata: the stores read and write these
# tables; migration 0002_slack creates them (never `create_all` at run time).
slack_installations: Table = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, SLACK_INSTALLATIONS_TABLE
)
slack_bots: Table = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, SLACK_BOTS_TABLE)
slack_oauth_states: Table = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    Base.metadata, SLACK_OAUTH_STATES_TABLE
)

SLACK_TABLES: Final = (slack_installations, slack_bots, slack_oauth_states)
