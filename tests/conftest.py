"""Shared fixtures: a fresh database per test, on SQLite or on PostgreSQL.

The suite runs on a SQLite file unless ``MONITOR_TEST_DATABASE_URL`` names a PostgreSQL server
(``.ci/run`` runs it both ways); then every test gets a schema of its own there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import open_database

TEST_DATABASE_URL = os.environ.get("MONITOR_TEST_DATABASE_URL", "")


def _postgres_schema_url(base: str) -> Iterator[str]:
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {url.render_as_string()} is not reachable: {exc}")
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def empty_database(directory: Path) -> Iterator[str]:
    """URL of an empty database: a SQLite file in ``directory``, or a PostgreSQL schema."""
    if TEST_DATABASE_URL.startswith("postgresql"):
        yield from _postgres_schema_url(TEST_DATABASE_URL)
    else:
        yield f"sqlite:///{directory / 'monitor.db'}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """URL of an empty database for this test."""
    yield from empty_database(tmp_path)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine, factory = open_database(database_url)
    yield factory
    engine.dispose()
