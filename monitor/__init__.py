"""Change monitor for government press releases."""

__version__ = "0.1.0"
