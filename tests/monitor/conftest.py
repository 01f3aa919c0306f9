"""Fixtures shared by the monitor tests."""

from tests.monitor.test_alerts import webhook
from tests.monitor.test_digest_mail import start_server

__all__ = ["start_server", "webhook"]
