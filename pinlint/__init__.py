"""pinlint: find Python, SQL and connection settings that break database connection poolers."""

__version__ = "0.1.0"
