"""What every route needs: the config, database sessions, the crawl service and the token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Config
from monitor.service.jobs import Crawls


class BadRequest(ValueError):
    """A parameter the app cannot use (answered 422); the message says which and why."""


@dataclass(frozen=True)
class WebContext:
    config: Config
    sessions: sessionmaker[Session]
    crawls: Crawls
    token: str | None

    @property
    def session(self) -> Callable[[], Iterator[Session]]:
        """A FastAPI dependency: one session per request, closed after it."""

        def open_session() -> Iterator[Session]:
            with self.sessions() as session:
                yield session

        return open_session

    def agency(self, key: str) -> str:
        try:
            return self.config.source(key).name
        except KeyError:  # a source in the database that the config no longer has
            return key

    def agencies(self) -> dict[str, str]:
        return {key: self.agency(key) for key in self.config.sources}

    def check_source(self, key: str | None) -> str | None:
        if key and key not in self.config.sources:
            raise BadRequest(f"unknown source {key!r} (known: {', '.join(self.config.sources)})")
        return key or None

    def crawl_sources(self, requested: list[str]) -> list[str]:
        """The sources a crawl request names, or every enabled one for an empty list."""
        if not requested:
            return [k for k, s in self.config.sources.items() if s.enabled]
        for key in requested:
            self.check_source(key)
        return list(dict.fromkeys(requested))
