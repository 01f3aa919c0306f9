"""The ``monitor`` command: data on stdout, progress and errors on stderr, one line per error."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from monitor import __version__
from monitor.config import Config, ConfigError, load_config
from monitor.db import DatabaseError, make_engine, open_database, upgrade
from monitor.history import NotFound

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class App:
    """What every command needs, built on first use."""

    config_path: str | None
    verbose: int
    _config: Config | None = None
    _db: tuple[Engine, sessionmaker[Session]] | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._db is None:
            self._db = open_database(self.config.database_url)
        return self._db[1]

    def close(self) -> None:
        if self._db is not None:
            self._db[0].dispose()
            self._db = None

    def source_keys(self, requested: tuple[str, ...]) -> list[str]:
        if not requested:
            return [k for k, s in self.config.sources.items() if s.enabled]
        unknown = [k for k in requested if k not in self.config.sources]
        if unknown:
            raise click.UsageError(
                f"unknown source {', '.join(unknown)} (known: {', '.join(self.config.sources)})"
            )
        return list(dict.fromkeys(requested))


def one_line_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Expected failures become ``Error: …`` and exit status 1, never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (ConfigError, DatabaseError, NotFound) as exc:
            raise click.ClickException(str(exc)) from exc
        except OperationalError as exc:
            logging.getLogger("monitor").debug("database error", exc_info=True)
            raise click.ClickException(f"database error: {exc.orig}") from exc

    return wrapper


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(verbose: int, log_file: str | None) -> None:
    """Details go to the log file (and to stderr with -v); stderr alone stays quiet."""
    level = logging.INFO if verbose <= 1 else logging.DEBUG
    console = logging.StreamHandler()
    console.setLevel(level if verbose else logging.CRITICAL)
    handlers: list[logging.Handler] = [console]
    if log_file:
        path = Path(log_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=handlers, force=True)
    if verbose < 2:  # Scrapy's own INFO lines (stats dumps, middleware lists) are noise here
        logging.getLogger("scrapy").setLevel(logging.WARNING)
        logging.getLogger("twisted").setLevel(logging.WARNING)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file (default: $MONITOR_CONFIG, else ./monitor.toml if present).",
)
@click.option("-v", "--verbose", count=True, help="Log details to stderr (-vv for debug).")
@click.option(
    "--log-file",
    envvar="MONITOR_LOG_FILE",
    default="data/monitor.log",
    show_default=True,
    help="Where details of every problem are logged ('' for nowhere; env MONITOR_LOG_FILE).",
)
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: int, log_file: str) -> None:
    """Monitor government newsrooms: every release, every version, every change."""
    setup_logging(verbose, log_file or None)
    ctx.obj = app = App(config_path=config_path, verbose=verbose)
    ctx.call_on_close(app.close)


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_obj
@one_line_errors
def db_upgrade(app: App) -> None:
    """Apply pending schema migrations (other commands do this on first use too)."""
    engine = make_engine(app.config.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    click.echo(
        f"database is at the latest schema: {engine.url.render_as_string(hide_password=True)}"
    )


def iso_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    """Option callback: a YYYY-MM-DD date, or a one-line usage error."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-09-20") from None


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=_iso))


def _iso(value: Any) -> str:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def register() -> None:
    from monitor.cli import browse, check, crawl, digest, service, threads

    del check  # registers `monitor sources check` on import

    for module in (crawl, browse, threads, digest, service):
        for command in module.COMMANDS:
            main.add_command(command)


register()
