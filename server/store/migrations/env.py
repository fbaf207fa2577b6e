"""Alembic's environment: always run in code (server/store/database.py:migrate) on a connection
it hands over; offline SQL generation is not used."""

from __future__ import annotations

from alembic import context

from server.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
