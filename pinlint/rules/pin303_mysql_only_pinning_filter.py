"""PIN303 mysql-only-pinning-filter: `EXCLUDE_VARIABLE_SETS` does nothing on a PostgreSQL RDS Proxy."""

from __future__ import annotations

from typing import Iterator

from pinlint.deployment.model import RDS_PROXY
from pinlint.diagnostics import Hit
from pinlint.rules.base import PoolerConfigRule, PythonCase
from pinlint.targets import Target, ignored

_PROXY = 'resource "aws_db_proxy" "app" {{\n  engine_family = "{family}"\n}}\n'
_GROUP = (
    'resource "aws_db_proxy_default_target_group" "app" {\n  db_proxy_name = aws_db_proxy.app.name\n'
    '  connection_pool_config {\n    session_pinning_filters = ["EXCLUDE_VARIABLE_SETS"]\n  }\n}\n'
)


class MysqlOnlyPinningFilter(PoolerConfigRule):
    code = "PIN303"
    name = "mysql-only-pinning-filter"
    summary = "The EXCLUDE_VARIABLE_SETS pinning filter does nothing on a PostgreSQL RDS Proxy"

    VALID = [
        PythonCase(_PROXY.format(family="MYSQL") + _GROUP, filename="main.tf"),
        PythonCase(_PROXY.format(family="POSTGRESQL"), filename="main.tf"),
        PythonCase('resource "aws_db_proxy" "app" {\n  engine_family = var.family\n}\n' + _GROUP, filename="main.tf"),
    ]
    INVALID = [
        PythonCase(_PROXY.format(family="POSTGRESQL") + _GROUP, filename="main.tf"),
    ]

    def check_pooler(self, sighting, deployment) -> Iterator[Hit]:
        family = sighting.knobs.get("engine_family")
        filters = sighting.knobs.get("session_pinning_filters")
        if (
            sighting.pooler != RDS_PROXY or family is None or filters is None
            or family.value.upper() != "POSTGRESQL" or "EXCLUDE_VARIABLE_SETS" not in filters.value.upper()
        ):
            return
        yield Hit(
            self.code,
            "`EXCLUDE_VARIABLE_SETS` on an RDS Proxy for PostgreSQL",
            {Target.RDS_PROXY: ignored("the filter applies to MySQL only: every SET still pins")},
            "Remove the filter, and move session settings out of the application: `ALTER ROLE ... SET`, the DB "
            "parameter group or the proxy's initialization query",
            anchor=filters,
        )
