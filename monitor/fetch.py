"""Scrapy components of the monitor: retries with backoff, and the pipeline into the store."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from monitor.runs import RunRecorder


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (5xx, timeouts, dropped connections), waiting before each one.

    The wait is ``RETRY_BACKOFF`` seconds before the first retry, doubled for each further one.
    Only the retried request waits; other requests go on.
    """

    backoff: float = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.backoff = crawler.settings.getfloat("RETRY_BACKOFF", 0.0)
        return middleware

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        await self._wait(result)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        await self._wait(result)
        return result

    async def _wait(self, result: Request | Response | None) -> None:
        """Sleep before a retry: ``backoff`` seconds, doubled for each retry after the first."""
        if isinstance(result, Request) and self.backoff > 0:
            attempt = int(result.meta.get("retry_times", 1))
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))


class StorePipeline:
    """Hands every item to the run's :class:`~monitor.runs.RunRecorder` (``spider.recorder``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self._response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def recorder(self) -> RunRecorder | None:
        return getattr(self.crawler.spider, "recorder", None)

    def process_item(self, item: Any) -> Any:
        if self.recorder is not None:
            self.recorder.handle(item)
        return item

    def _response_received(self, response: Response, request: Request, spider: Any) -> None:
        if self.recorder is not None and not request.url.endswith("/robots.txt"):
            self.recorder.page_fetched()
