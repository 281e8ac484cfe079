"""The rule registry: one explicit table of every rule, in code order."""

from __future__ import annotations

from pinlint.rules.base import DriverRule, MetaRule, PoolerConfigRule, Rule, SqlRule
from pinlint.rules.pin101_session_set import SessionSet
from pinlint.rules.pin102_session_set_config import SessionSetConfig
from pinlint.rules.pin103_transaction_scoped_set import TransactionScopedSet
from pinlint.rules.pin104_role_switch import RoleSwitch
from pinlint.rules.pin105_session_characteristics import SessionCharacteristics
from pinlint.rules.pin106_sql_prepared_statement import SqlPreparedStatement
from pinlint.rules.pin107_discard import Discard
from pinlint.rules.pin108_temporary_object import TemporaryObject
from pinlint.rules.pin109_session_advisory_lock import SessionAdvisoryLock
from pinlint.rules.pin110_listen import Listen
from pinlint.rules.pin111_server_side_cursor import ServerSideCursor
from pinlint.rules.pin112_load_library import LoadLibrary
from pinlint.rules.pin113_sequence_session_function import SequenceSessionFunction
from pinlint.rules.pin114_table_lock import TableLock
from pinlint.rules.pin115_user_variable import UserVariable
from pinlint.rules.pin116_executable_comment import ExecutableComment
from pinlint.rules.pin117_found_rows import FoundRows
from pinlint.rules.pin118_oversized_statement import OversizedStatement
from pinlint.rules.pin119_state_in_routine import StateInRoutine
from pinlint.rules.pin120_local_set_outside_transaction import LocalSetOutsideTransaction
from pinlint.rules.pin201_rejected_startup_parameter import RejectedStartupParameter
from pinlint.rules.pin202_driver_prepared_statements import DriverPreparedStatements
from pinlint.rules.pin203_pool_reset_query import PoolResetQuery
from pinlint.rules.pin204_driver_emitted_session_state import DriverEmittedSessionState
from pinlint.rules.pin301_pooler_prepared_statements_off import PoolerPreparedStatementsOff
from pinlint.rules.pin302_unused_server_reset_query import UnusedServerResetQuery
from pinlint.rules.pin303_mysql_only_pinning_filter import MysqlOnlyPinningFilter
from pinlint.rules.pin900_unparsable_file import UnparsableFile
from pinlint.rules.pin901_unused_suppression import UnusedSuppression

SQL_RULES: tuple[SqlRule, ...] = (
    SessionSet(),
    SessionSetConfig(),
    TransactionScopedSet(),
    RoleSwitch(),
    SessionCharacteristics(),
    SqlPreparedStatement(),
    Discard(),
    TemporaryObject(),
    SessionAdvisoryLock(),
    Listen(),
    ServerSideCursor(),
    LoadLibrary(),
    SequenceSessionFunction(),
    TableLock(),
    UserVariable(),
    ExecutableComment(),
    FoundRows(),
    OversizedStatement(),
    StateInRoutine(),
    LocalSetOutsideTransaction(),
)
DRIVER_RULES: tuple[DriverRule, ...] = (
    RejectedStartupParameter(),
    DriverPreparedStatements(),
    PoolResetQuery(),
    DriverEmittedSessionState(),
)
POOLER_CONFIG_RULES: tuple[PoolerConfigRule, ...] = (
    PoolerPreparedStatementsOff(),
    UnusedServerResetQuery(),
    MysqlOnlyPinningFilter(),
)
# Every rule the engine runs over a file; the meta rules are raised by the engine itself.
LINT_RULES: tuple[Rule, ...] = SQL_RULES + DRIVER_RULES + POOLER_CONFIG_RULES
UNPARSABLE_FILE = UnparsableFile()
UNUSED_SUPPRESSION = UnusedSuppression()
META_RULES: tuple[MetaRule, ...] = (UNPARSABLE_FILE, UNUSED_SUPPRESSION)
ALL_RULES: tuple[Rule, ...] = LINT_RULES + META_RULES

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in ALL_RULES}


def lookup(code_or_name: str) -> Rule | None:
    return BY_CODE.get(code_or_name.upper()) or BY_NAME.get(code_or_name.lower())
