"""`pinlint logs`: from production evidence (RDS Proxy, PostgreSQL and PgBouncer logs) to the line
of code that caused it."""

OUTPUT_FORMATS = ("full", "json", "sarif", "github")
