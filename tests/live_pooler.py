"""A throwaway PostgreSQL behind PgBouncer in transaction mode, for the live tests.

Both servers refuse to run as root, so under root they are exec'd as the `postgres` user that
the Debian packages create (`Popen(user=...)`: the PID held is the server's own, and teardown
signals exactly it). Everything listens on free ports on 127.0.0.1 only.

One PostgreSQL serves the whole session; each PgBouncer flavour (`flavours()`) runs in front of
it in turn, so every live test runs on each pinlint target a PgBouncer can be: the installed
PgBouncer, and the one `PINLINT_PGBOUNCER` names (`.ci/build-pgbouncer` prints one >= 1.21).

PgBouncer serves the database `live` as two pools:
- `p1`, pool size 1: every client shares one backend, so state one client leaves behind is
  what the next client gets;
- `p2`, pool size 2: with `other_backend()` holding the backend a client just used, the
  client's next statement lands on the other one, so its own state is gone.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pinlint.targets import Target

REQUIRE = os.environ.get("PINLINT_LIVE") == "require"
NEW_PGBOUNCER = "PINLINT_PGBOUNCER"
DATABASE = "live"
# What every test starts from: a marker row per schema tells which `search_path` a read used.
SCHEMA = """
DROP FUNCTION IF EXISTS tenant_a_marker_count();
DROP TABLE IF EXISTS public.marker, public.job;
DROP SCHEMA IF EXISTS tenant_a CASCADE;
CREATE SCHEMA tenant_a;
CREATE TABLE public.marker (id serial PRIMARY KEY, v text);
INSERT INTO public.marker VALUES (1, 'public'), (2, 'public-2');
SELECT setval('public.marker_id_seq', 100);
CREATE TABLE tenant_a.marker (id int PRIMARY KEY, v text);
INSERT INTO tenant_a.marker VALUES (1, 'tenant_a');
"""
# PgBouncer 1.21 is the first that can track protocol-level prepared statements.
TRACKS_PREPARED = (1, 21)
# The default of `max_prepared_statements` since PgBouncer 1.24.
PREPARED_STATEMENTS = 200


def postgres_bindir() -> Path | str:
    """The newest installed PostgreSQL's bin directory, or why there is none."""
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    return Path(bindirs[-1]) if bindirs else "no postgresql server binaries (apt-get install -y postgresql)"


def pgbouncer_version(pgbouncer: Path) -> tuple[int, ...]:
    """From `PgBouncer 1.18.0` on the first line of `pgbouncer --version`."""
    first_line = subprocess.run([pgbouncer, "--version"], capture_output=True, text=True, check=True).stdout
    return tuple(int(part) for part in first_line.split()[1].split("."))


@dataclass(frozen=True)
class Flavour:
    """One PgBouncer binary with one `max_prepared_statements`: together they decide the target."""

    binary: Path
    version: tuple[int, ...]
    max_prepared_statements: int | None  # None: a version without the setting

    @property
    def target(self) -> Target:
        return Target.PGBOUNCER if self.max_prepared_statements else Target.PGBOUNCER_LEGACY

    @property
    def id(self) -> str:
        shown = "pgbouncer-" + ".".join(map(str, self.version))
        return shown + ("-max_prepared_statements=0" if self.max_prepared_statements == 0 else "")


def flavours() -> tuple[list[Flavour], list[str]]:
    """Every flavour the installed PgBouncer and `$PINLINT_PGBOUNCER` make, and what is missing.

    A PgBouncer >= 1.21 runs twice: with `max_prepared_statements > 0` (target `pgbouncer`) and
    with 0, which keeps the older versions' behaviour (target `pgbouncer-legacy`).
    """
    candidates = [shutil.which("pgbouncer"), "/usr/sbin/pgbouncer", os.environ.get(NEW_PGBOUNCER)]
    binaries: dict[tuple[int, ...], Path] = {}
    missing = []
    for candidate in filter(None, candidates):
        path = Path(candidate)
        try:
            binaries.setdefault(pgbouncer_version(path), path)
        except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
            if candidate == os.environ.get(NEW_PGBOUNCER):
                missing.append(f"{NEW_PGBOUNCER}={candidate!r} does not answer `--version` like PgBouncer")
    found: list[Flavour] = []
    for version, binary in sorted(binaries.items()):
        if version < TRACKS_PREPARED:
            found.append(Flavour(binary, version, None))
        else:
            found += [Flavour(binary, version, PREPARED_STATEMENTS), Flavour(binary, version, 0)]
    if not binaries:
        missing.append("no pgbouncer binary (apt-get install -y pgbouncer)")
    if not any(flavour.target is Target.PGBOUNCER for flavour in found):
        named = os.environ.get(NEW_PGBOUNCER)
        missing.append(
            f"no PgBouncer >= 1.21 for the target `pgbouncer`: {NEW_PGBOUNCER}={named!r} is not one"
            if named else f"no PgBouncer >= 1.21 for the target `pgbouncer` (export {NEW_PGBOUNCER}=$(.ci/build-pgbouncer))"
        )
    return found, missing


@dataclass
class LivePooler:
    pg_port: int
    pgbouncer_port: int
    flavour: Flavour
    pg_log: Path  # the server's own log (stderr, default `log_line_prefix`)
    pgbouncer_log: Path

    @property
    def pgbouncer_version(self) -> tuple[int, ...]:
        return self.flavour.version

    @property
    def target(self) -> Target:
        """The pinlint target this PgBouncer is."""
        return self.flavour.target

    def conninfo(self, pool: str = "p1", user: str = "app") -> str:
        """libpq conninfo of a pooled database."""
        return f"host=127.0.0.1 port={self.pgbouncer_port} dbname={pool} user={user} connect_timeout=10"

    def url(self, pool: str = "p1", user: str = "app") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.pgbouncer_port}/{pool}"

    def direct_conninfo(self, user: str = "app") -> str:
        return f"host=127.0.0.1 port={self.pg_port} dbname={DATABASE} user={user} connect_timeout=10"

    def client(self, pool: str = "p1", user: str = "app"):
        """A pooled autocommit psycopg connection that never prepares on its own."""
        import psycopg

        return psycopg.connect(self.conninfo(pool, user), autocommit=True, prepare_threshold=None)

    def superuser(self):
        import psycopg

        return psycopg.connect(self.direct_conninfo("postgres"), autocommit=True)

    def reset(self) -> None:
        """Fresh data, no role defaults, and no server connections left from earlier tests."""
        import psycopg

        with self.superuser() as admin:
            admin.execute("ALTER ROLE app RESET ALL")
        with psycopg.connect(self.direct_conninfo(), autocommit=True) as owner:
            owner.execute(SCHEMA)
        self.drop_backends()

    def drop_backends(self) -> None:
        """Terminate every backend of the test database; PgBouncer drops its dead server
        connections and opens new ones, which start with the roles' current defaults."""
        with self.superuser() as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [DATABASE],
            )
            deadline = time.monotonic() + 10
            while admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DATABASE]
            ).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise RuntimeError("backends did not exit after pg_terminate_backend")
                time.sleep(0.02)

    @contextmanager
    def other_backend(self, user: str = "app") -> Iterator[None]:
        """Inside the block, a p2 client's next statement runs on the backend it did not use last.

        PgBouncer hands out the most recently released server first; a holder that opens a
        transaction takes that one, which leaves the other backend for everybody else.
        """
        holder = self.client("p2", user)
        try:
            holder.execute("BEGIN")
            holder.execute("SELECT 1")
            yield
        finally:
            holder.execute("COMMIT")
            holder.close()

    def warm_p2(self, user: str = "app") -> None:
        """Open both p2 backends, so `other_backend()` has one to leave."""
        first, second = self.client("p2", user), self.client("p2", user)
        for connection in (first, second):
            connection.execute("BEGIN")
            connection.execute("SELECT 1")
        for connection in (first, second):
            connection.execute("COMMIT")
            connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_accepting(conninfo: str, server: subprocess.Popen, log: Path) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            psycopg.connect(conninfo, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _stop(server: subprocess.Popen, sig: signal.Signals) -> None:
    if server.poll() is None:
        server.send_signal(sig)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


@dataclass(frozen=True)
class LivePostgres:
    port: int
    log: Path
    as_user: dict  # `Popen` arguments that run a server as `postgres` under root


def _private_directory(prefix: str, as_user: dict) -> Path:
    # Not pytest's tmp_path: its base directory is private to the user running pytest.
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if as_user:
        os.chown(directory, as_user["user"], as_user["group"])
    return directory


@contextmanager
def running_postgres(bindir: Path) -> Iterator[LivePostgres]:
    """PostgreSQL with the roles and the database the live tests use."""
    import psycopg

    as_user: dict = {}
    if os.geteuid() == 0:  # initdb, postgres and pgbouncer all refuse to run as root
        account = pwd.getpwnam("postgres")
        as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    directory = _private_directory("pinlint-live-", as_user)
    port = _free_port()
    server = None
    try:
        data = directory / "data"
        subprocess.run(
            [bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
            check=True, capture_output=True, **as_user,
        )
        log = directory / "postgres.log"
        settings = {
            "listen_addresses": "127.0.0.1", "port": port, "unix_socket_directories": directory,
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
        }
        options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        with log.open("wb") as output:
            server = subprocess.Popen(
                [bindir / "postgres", "-D", data, *options], stdout=output, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, **as_user,
            )
        admin_conninfo = f"host=127.0.0.1 port={port} dbname=postgres user=postgres"
        _wait_until_accepting(admin_conninfo, server, log)
        with psycopg.connect(admin_conninfo, autocommit=True) as admin:
            admin.execute("CREATE ROLE app LOGIN")
            admin.execute("CREATE ROLE admin_role")
            admin.execute("GRANT admin_role TO app")
            admin.execute(f"CREATE DATABASE {DATABASE} OWNER app")
        yield LivePostgres(port, log, as_user)
    finally:
        if server is not None:
            _stop(server, signal.SIGINT)  # SIGINT: PostgreSQL's fast shutdown
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def running_pooler(postgres: LivePostgres, flavour: Flavour) -> Iterator[LivePooler]:
    """One PgBouncer flavour in front of ``postgres``."""
    directory = _private_directory("pinlint-pgbouncer-", postgres.as_user)
    bouncer = None
    try:
        # A copy the `postgres` user can run wherever the binary was built (`~root` is private).
        binary = shutil.copy2(flavour.binary, directory / "pgbouncer")
        (directory / "userlist.txt").write_text('"app" ""\n"postgres" ""\n', encoding="utf-8")
        prepared = (
            "" if flavour.max_prepared_statements is None
            else f"max_prepared_statements = {flavour.max_prepared_statements}\n"
        )
        port = _free_port()
        ini = directory / "pgbouncer.ini"
        ini.write_text(
            f"[databases]\n"
            f"p1 = host=127.0.0.1 port={postgres.port} dbname={DATABASE} pool_size=1\n"
            f"p2 = host=127.0.0.1 port={postgres.port} dbname={DATABASE} pool_size=2\n"
            f"[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {directory}/userlist.txt\nadmin_users = postgres\n"
            f"pool_mode = transaction\ndefault_pool_size = 1\n"
            # A client waiting for a held backend fails after 15 s instead of hanging for 120.
            f"query_wait_timeout = 15\n{prepared}",
            encoding="utf-8",
        )
        log = directory / "pgbouncer.log"
        with log.open("wb") as output:
            bouncer = subprocess.Popen(
                [binary, ini], stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **postgres.as_user
            )
        pooler = LivePooler(postgres.port, port, flavour, postgres.log, log)
        _wait_until_accepting(pooler.conninfo(), bouncer, log)
        yield pooler
    finally:
        if bouncer is not None:
            # Immediate shutdown: SIGTERM until 1.22; from 1.23 on SIGTERM waits for every client
            # to disconnect, and SIGQUIT is the immediate one.
            _stop(bouncer, signal.SIGQUIT if flavour.version >= (1, 23) else signal.SIGTERM)
        shutil.rmtree(directory, ignore_errors=True)
