"""The web app: a JSON API under /api/ and HTML pages over the store, and a crawl trigger.

It holds no logic of its own beyond presentation: queries come from :mod:`monitor.history`,
:mod:`monitor.threads` and :mod:`monitor.digest`; crawls are started through the service's
:class:`monitor.service.jobs.Crawls`.
"""

from monitor.web.app import create_app

__all__ = ["create_app"]
