"""The tables (SQLAlchemy Core). A change here needs a new revision in migrations/versions/."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(256), nullable=False, server_default=""),  # client address
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("config", sa.JSON, nullable=False),  # the wire config
    sa.Column("checkpoint", sa.LargeBinary, nullable=False),  # models.engine.save_run bytes
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Column("parent_id", sa.String(64), nullable=True),  # a fork's origin
    sa.Column("parent_step", sa.BigInteger, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),  # retention
)
