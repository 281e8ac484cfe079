"""pinlint: find Python, SQL and connection settings that break database connection poolers."""

__version__ = "0.1.0"
# Where the project lives; rule documentation links point into it (keep [project.urls] in step).
REPOSITORY_URL = "https://github.com/pinlint/pinlint"
