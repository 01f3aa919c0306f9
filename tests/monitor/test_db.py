"""SQLite: readers never wait for a writer; writers queue behind each other instead of failing."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from monitor.db import open_database, transaction
from monitor.models import Source
from monitor.store import ensure_source
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(
    TEST_DATABASE_URL.startswith("postgresql"), reason="SQLite locking only"
)


def test_a_reader_is_not_blocked_by_an_open_write(tmp_path):
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'm.db'}")
    with transaction(sessions) as writer:
        ensure_source(writer, "ice", "ICE")  # holds the write lock until the block ends
        began = time.monotonic()
        with sessions() as reader:
            assert reader.scalar(select(func.count()).select_from(Source)) == 0
        assert time.monotonic() - began < 1
    engine.dispose()


def test_two_writers_take_turns(tmp_path):
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'm.db'}")
    errors: list[Exception] = []

    def write(key: str) -> None:
        try:
            with transaction(sessions) as session:
                ensure_source(session, key, key)
                time.sleep(0.3)
        except Exception as exc:  # the test fails below with what went wrong
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in ("dhs", "ice")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 2
    engine.dispose()
