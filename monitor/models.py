"""Tables: sources, releases, their versions, crawl runs and the event log.

Times are stored as naive UTC (SQLite has no time zones); :func:`utcnow` makes them.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class ReleaseStatus(enum.StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


class RunStatus(enum.StrEnum):
    """How a run ended: ``ok``; ``partial`` (the listing was read, some release pages failed);
    ``failed`` (no listing to trust); ``blocked`` (a block page); ``interrupted`` (stopped).
    ``running`` until it ends."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"
    BLOCKED = "blocked"
    INTERRUPTED = "interrupted"

    @property
    def worked(self) -> bool:
        """The listing was read whole: what the run stored can be trusted."""
        return self in (RunStatus.OK, RunStatus.PARTIAL)


class EventKind(enum.StrEnum):
    NEW = "new"
    EDITED = "edited"
    REMOVED = "removed"
    RESTORED = "restored"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        values_callable=lambda e: [m.value for m in e],
        length=16,
        validate_strings=True,
    )


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="builtin")
    enabled: Mapped[bool] = mapped_column(default=True)
    # where `monitor backfill` resumes (the listing page after the last one it read)
    backfill_next: Mapped[str | None] = mapped_column(Text)
    backfill_done: Mapped[bool] = mapped_column(default=False, server_default=false())
    # when a regular crawl first read the whole listing window and ended ok; until then what the
    # source stores is its baseline (history, not news)
    baselined_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Release(Base):
    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    status: Mapped[ReleaseStatus] = mapped_column(
        _enum(ReleaseStatus, "release_status"), default=ReleaseStatus.ACTIVE
    )
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)  # last fetch that answered with it
    last_checked: Mapped[dt.datetime] = mapped_column(DateTime)  # last fetch of its page
    # the current version, copied here so lists need no join
    version_count: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(Text)
    published: Mapped[dt.date | None] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))
    # validators of the last page fetched, sent back so an unchanged page costs a 304
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(64))

    source: Mapped[Source] = relationship()
    versions: Mapped[list[Version]] = relationship(
        back_populates="release", order_by="Version.number", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_releases_source_published", "source_id", "published"),
        Index("ix_releases_source_checked", "source_id", "last_checked"),
    )


class Version(Base):
    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime)
    title: Mapped[str] = mapped_column(Text)
    published: Mapped[dt.date | None] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    changed: Mapped[str] = mapped_column(String(64), default="")  # "title,published,body"
    raw_html: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed page as fetched
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))

    release: Mapped[Release] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("release_id", "number", name="uq_versions_release_number"),)

    @property
    def changed_fields(self) -> list[str]:
        return [f for f in self.changed.split(",") if f]


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(16))  # manual / schedule / api
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[RunStatus] = mapped_column(
        _enum(RunStatus, "run_status"), default=RunStatus.RUNNING
    )
    pages: Mapped[int] = mapped_column(Integer, default=0)
    listing_pages: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    edited: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    restored: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # the source's baseline: what this run stored is history, not news (no digest, no alerts)
    baseline: Mapped[bool] = mapped_column(default=False, server_default=false())

    source: Mapped[Source] = relationship()
    failures: Mapped[list[RunFailure]] = relationship(
        order_by="RunFailure.id", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (Index("ix_crawl_runs_source_started", "source_id", "started_at"),)


class RunFailure(Base):
    """A page a run could not use, and why (a :class:`spiders.items.Problem` value)."""

    __tablename__ = "run_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    reason: Mapped[str] = mapped_column(String(16))  # timeout, http, missing, storage, …
    status: Mapped[int | None] = mapped_column(Integer)  # the HTTP status, where one came
    detail: Mapped[str] = mapped_column(Text, default="")
    listing: Mapped[bool] = mapped_column(default=False)  # a listing page, not a release page

    def as_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "reason": self.reason,
            "status": self.status,
            "detail": self.detail,
            "listing": self.listing,
        }


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "event_kind"))
    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    fields: Mapped[str] = mapped_column(String(64), default="")

    release: Mapped[Release] = relationship()


class ThreadStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class MemberMethod(enum.StrEnum):
    SEED = "seed"  # named when the thread was created
    MATCHED = "matched"  # found by the matcher
    MANUAL = "manual"  # a person's attach or detach: matching never overrides it


class MemberState(enum.StrEnum):
    CONFIRMED = "confirmed"
    SUGGESTED = "suggested"
    REJECTED = "rejected"


class Thread(Base):
    """A story a user follows across agencies."""

    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")  # one per line
    status: Mapped[ThreadStatus] = mapped_column(
        _enum(ThreadStatus, "thread_status"), default=ThreadStatus.OPEN
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    members: Mapped[list[ThreadMember]] = relationship(
        back_populates="thread", cascade="all, delete-orphan"
    )

    @property
    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.split("\n") if k]


class ThreadMember(Base):
    """A release in a thread, with how and why it got there."""

    __tablename__ = "thread_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    method: Mapped[MemberMethod] = mapped_column(_enum(MemberMethod, "member_method"))
    state: Mapped[MemberState] = mapped_column(_enum(MemberState, "member_state"))
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    joined_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    version_number: Mapped[int | None] = mapped_column(Integer)  # the version that was matched
    # joined as history (stored before the thread existed, backfilled or baselined): on the
    # timeline, but not a thread update and never alerted
    history: Mapped[bool] = mapped_column(default=False, server_default=false())

    thread: Mapped[Thread] = relationship(back_populates="members")
    release: Mapped[Release] = relationship()

    __table_args__ = (
        UniqueConstraint("thread_id", "release_id", name="uq_thread_members_thread_release"),
    )


class ListingPageRow(Base):
    """A listing page as last fetched with validators: replayed when it answers 304."""

    __tablename__ = "listing_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    entries: Mapped[str] = mapped_column(Text)  # JSON: [[url, "YYYY-MM-DD" or null], ...]
    next_url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime)


class RunListing(Base):
    """What a run's listing pages showed: rows, and rows without a date (for source health)."""

    __tablename__ = "run_listings"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="CASCADE"), primary_key=True
    )
    rows: Mapped[int] = mapped_column(Integer, default=0)
    undated: Mapped[int] = mapped_column(Integer, default=0)


class SourceProblem(Base):
    """A health problem of a source, from the crawl that found it until the one that cleared it.

    At most one row per source and kind is open (``cleared_at`` null); an alert goes out when a
    row opens and when it clears, never in between.
    """

    __tablename__ = "source_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # a monitor.health.ProblemKind value
    detail: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    source: Mapped[Source] = relationship()

    __table_args__ = (
        Index("ix_source_problems_source_cleared", "source_id", "cleared_at"),
        Index(
            "uq_source_problems_open",
            "source_id",
            "kind",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
    )
