"""PostgreSQL's own setting names, and the values that can only be settings a client sends.

A libpq option string (`-c statement_timeout=5s`) or a mapping of setting names says how a
connection is set up on its own, whatever call receives it. These judge the Python value alone;
`pinlint.python.unmistakable_settings` decides where such values are looked for.
"""

from __future__ import annotations

import re

from pinlint.connections.dsn import startup_options
from pinlint.connections.model import UNKNOWN

# The settings of PostgreSQL 14 to 19 (its runtime-config pages and GUC tables, developer options
# included), lower-cased as PostgreSQL matches them. A client may set these when it connects
# (contexts user, superuser, backend and superuser-backend in `pg_settings`) ...
CONNECTION_SETTINGS = frozenset(
    """
    allow_in_place_tablespaces allow_system_table_mods application_name array_nulls backend_flush_after
    backslash_quote backtrace_functions bytea_output check_function_bodies client_connection_check_interval
    client_encoding client_min_messages commit_delay commit_siblings compute_query_id constraint_exclusion
    cpu_index_tuple_cost cpu_operator_cost cpu_tuple_cost createrole_self_grant cursor_tuple_fraction
    DateStyle deadlock_timeout debug_copy_parse_plan_trees debug_deadlocks debug_discard_caches
    debug_logical_replication_streaming debug_parallel_query debug_pretty_print debug_print_parse
    debug_print_plan debug_print_raw_parse debug_print_rewritten debug_raw_expression_coverage_test
    debug_write_read_parse_plan_trees default_statistics_target default_table_access_method
    default_tablespace default_text_search_config default_toast_compression default_transaction_deferrable
    default_transaction_isolation default_transaction_read_only default_with_oids dynamic_library_path
    effective_cache_size effective_io_concurrency enable_async_append enable_bitmapscan
    enable_distinct_reordering enable_eager_aggregate enable_gathermerge enable_group_by_reordering
    enable_hashagg enable_hashjoin enable_incremental_sort enable_indexonlyscan enable_indexscan
    enable_material enable_memoize enable_mergejoin enable_nestloop enable_parallel_append
    enable_parallel_hash enable_partition_pruning enable_partitionwise_aggregate enable_partitionwise_join
    enable_presorted_aggregate enable_self_join_elimination enable_seqscan enable_sort enable_tidscan
    escape_string_warning event_triggers exit_on_error extension_control_path extra_float_digits
    file_copy_method force_parallel_mode from_collapse_limit geqo geqo_effort geqo_generations geqo_pool_size
    geqo_seed geqo_selection_bias geqo_threshold gin_fuzzy_search_limit gin_pending_list_limit
    hash_mem_multiplier icu_validation_level idle_in_transaction_session_timeout idle_session_timeout
    ignore_checksum_failure ignore_system_indexes IntervalStyle io_combine_limit jit jit_above_cost
    jit_debugging_support jit_dump_bitcode jit_expressions jit_inline_above_cost jit_optimize_above_cost
    jit_profiling_support jit_tuple_deforming join_collapse_limit lc_messages lc_monetary lc_numeric lc_time
    lo_compat_privileges local_preload_libraries lock_timeout log_btree_build_stats log_connections
    log_disconnections log_duration log_error_verbosity log_executor_stats log_lock_failures log_lock_waits
    log_min_duration_sample log_min_duration_statement log_min_error_statement log_min_messages
    log_parameter_max_length log_parameter_max_length_on_error log_parser_stats log_planner_stats
    log_replication_commands log_statement log_statement_sample_rate log_statement_stats log_temp_files
    log_transaction_sample_rate logical_decoding_work_mem maintenance_io_concurrency maintenance_work_mem
    max_parallel_maintenance_workers max_parallel_workers max_parallel_workers_per_gather max_stack_depth
    md5_password_warnings min_eager_agg_group_size min_parallel_index_scan_size min_parallel_table_scan_size
    optimize_bounded_sort parallel_leader_participation parallel_setup_cost parallel_tuple_cost
    password_encryption plan_cache_mode post_auth_delay quote_all_identifiers random_page_cost
    recursive_worktable_factor restrict_nonsystem_relation_kind role row_security scram_iterations
    search_path seed seq_page_cost session_authorization session_preload_libraries session_replication_role
    ssl_renegotiation_limit standard_conforming_strings statement_timeout stats_fetch_consistency
    synchronize_seqscans synchronous_commit tcp_keepalives_count tcp_keepalives_idle tcp_keepalives_interval
    tcp_user_timeout temp_buffers temp_file_limit temp_tablespaces TimeZone timezone_abbreviations
    trace_lock_oidmin trace_lock_table trace_locks trace_lwlocks trace_notify trace_sort trace_syncscan
    trace_userlocks track_activities track_cost_delay_timing track_counts track_functions track_io_timing
    track_wal_io_timing transaction_deferrable transaction_isolation transaction_read_only
    transaction_timeout transform_null_equals update_process_title vacuum_buffer_usage_limit
    vacuum_cost_delay vacuum_cost_limit vacuum_cost_page_dirty vacuum_cost_page_hit vacuum_cost_page_miss
    vacuum_failsafe_age vacuum_freeze_min_age vacuum_freeze_table_age vacuum_max_eager_freeze_failure_rate
    vacuum_multixact_failsafe_age vacuum_multixact_freeze_min_age vacuum_multixact_freeze_table_age
    vacuum_truncate wal_compression wal_consistency_checking wal_debug wal_init_zero wal_recycle
    wal_sender_timeout wal_skip_threshold work_mem xmlbinary xmloption zero_damaged_pages
    """.lower().split()
)
# ... and these are the server's own configuration (postmaster, sighup, internal), which
# PostgreSQL refuses from a client: a value for them configures a server, not a connection.
SERVER_ONLY_SETTINGS = frozenset(
    """
    allow_alter_system archive_cleanup_command archive_command archive_library archive_mode archive_timeout
    authentication_timeout autovacuum autovacuum_analyze_scale_factor autovacuum_analyze_threshold
    autovacuum_freeze_max_age autovacuum_max_workers autovacuum_multixact_freeze_max_age autovacuum_naptime
    autovacuum_vacuum_cost_delay autovacuum_vacuum_cost_limit autovacuum_vacuum_insert_scale_factor
    autovacuum_vacuum_insert_threshold autovacuum_vacuum_max_threshold autovacuum_vacuum_scale_factor
    autovacuum_vacuum_threshold autovacuum_work_mem autovacuum_worker_slots bgwriter_delay
    bgwriter_flush_after bgwriter_lru_maxpages bgwriter_lru_multiplier block_size bonjour bonjour_name
    checkpoint_completion_target checkpoint_flush_after checkpoint_timeout checkpoint_warning cluster_name
    commit_timestamp_buffers config_file data_checksums data_directory data_directory_mode data_sync_retry
    db_user_namespace debug_assertions debug_exec_backend debug_io_direct dynamic_shared_memory_type
    effective_wal_level event_source external_pid_file file_extend_method fsync full_page_writes
    gss_accept_delegation hba_file hot_standby hot_standby_feedback huge_page_size huge_pages
    huge_pages_status ident_file idle_replication_slot_timeout ignore_invalid_pages in_hot_standby
    integer_datetimes io_max_combine_limit io_max_concurrency io_method io_workers is_superuser jit_provider
    krb_caseins_users krb_server_keyfile lc_collate lc_ctype listen_addresses log_autoanalyze_min_duration
    log_autovacuum_min_duration log_checkpoints log_destination log_directory log_file_mode log_filename
    log_hostname log_line_prefix log_recovery_conflict_waits log_rotation_age log_rotation_size
    log_startup_progress_interval log_timezone log_truncate_on_rotation logging_collector
    max_active_replication_origins max_connections max_files_per_process max_function_args
    max_identifier_length max_index_keys max_locks_per_transaction max_logical_replication_workers
    max_notify_queue_pages max_parallel_apply_workers_per_subscription max_pred_locks_per_page
    max_pred_locks_per_relation max_pred_locks_per_transaction max_prepared_transactions
    max_replication_slots max_slot_wal_keep_size max_standby_archive_delay max_standby_streaming_delay
    max_sync_workers_per_subscription max_wal_senders max_wal_size max_worker_processes
    min_dynamic_shared_memory min_wal_size multixact_member_buffers multixact_offset_buffers notify_buffers
    num_os_semaphores oauth_validator_libraries old_snapshot_threshold password_expiration_warning_threshold
    port pre_auth_delay primary_conninfo primary_slot_name promote_trigger_file recovery_end_command
    recovery_init_sync_method recovery_min_apply_delay recovery_prefetch recovery_target
    recovery_target_action recovery_target_inclusive recovery_target_lsn recovery_target_name
    recovery_target_time recovery_target_timeline recovery_target_xid remove_temp_files_after_crash
    reserved_connections restart_after_crash restore_command segment_size send_abort_for_crash
    send_abort_for_kill serializable_buffers server_encoding server_version server_version_num shared_buffers
    shared_memory_size shared_memory_size_in_huge_pages shared_memory_type shared_preload_libraries ssl
    ssl_ca_file ssl_cert_file ssl_ciphers ssl_crl_dir ssl_crl_file ssl_dh_params_file ssl_ecdh_curve
    ssl_groups ssl_key_file ssl_library ssl_max_protocol_version ssl_min_protocol_version
    ssl_passphrase_command ssl_passphrase_command_supports_reload ssl_prefer_server_ciphers ssl_tls13_ciphers
    stats_temp_directory subtransaction_buffers summarize_wal superuser_reserved_connections
    sync_replication_slots synchronized_standby_slots synchronous_standby_names syslog_facility syslog_ident
    syslog_sequence_numbers syslog_split_messages trace_connection_negotiation trace_recovery_messages
    track_activity_query_size track_commit_timestamp transaction_buffers unix_socket_directories
    unix_socket_group unix_socket_permissions vacuum_defer_cleanup_age wal_block_size wal_buffers
    wal_decode_buffer_size wal_keep_size wal_level wal_log_hints wal_receiver_create_temp_slot
    wal_receiver_status_interval wal_receiver_timeout wal_retrieve_retry_interval wal_segment_size
    wal_summary_keep_time wal_sync_method wal_writer_delay wal_writer_flush_after
    """.lower().split()
)
# What PostgreSQL accepts as a setting name: a word, or a custom `prefix.name` (extensions, `app.tenant`).
_SETTING_NAME = re.compile(r"[a-z_][a-z0-9_$]*(?:\.[a-z_][a-z0-9_$]*)?", re.IGNORECASE)


def is_connection_setting(name: str) -> bool:
    """A setting a client may send: one of PostgreSQL's, or a custom dotted one."""
    return name.lower() in CONNECTION_SETTINGS or ("." in name and _SETTING_NAME.fullmatch(name) is not None)


def is_option_string(text: object) -> bool:
    """libpq `options` and nothing else: settings only, each `-c name=value` with a name shaped like a
    setting (the server's own configuration aside), or `--name=value` with a setting a client may
    send, since `--flag=value` is every command line's spelling. `-c pytest.ini`, `--headless=new`,
    `-c shared_buffers=1GB` and a string with any other word are not."""
    if not isinstance(text, str) or not text.lstrip().startswith("-"):
        return False
    parsed = startup_options(text)
    if not parsed.settings or parsed.other:
        return False
    return all(
        is_connection_setting(name) if name in parsed.long_names
        else _SETTING_NAME.fullmatch(name) is not None and name.lower() not in SERVER_ONLY_SETTINGS
        for name, _ in parsed.settings
    )


def is_server_settings(value: object) -> bool:
    """asyncpg's `server_settings`: strings (or values known only at run time) under settings a client
    may send. A server's configuration (`{"wal_level": "hot_standby"}`, `{"max_wal_senders": 10}`) is not."""
    return isinstance(value, dict) and bool(value) and all(
        is_connection_setting(key) and (isinstance(item, str) or item is UNKNOWN) for key, item in value.items()
    )
