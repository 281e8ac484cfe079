"""Targets from the project: each kind of evidence, its effect on findings, and overrides."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURES
from pinlint.cli import main
from pinlint.deployment import sightings_in
from pinlint.deployment.infer import decide
from pinlint.targets import Target

DEPLOYMENTS = FIXTURES / "deployments"
ESCAPE = "\x1b"


def _project(tmp_path, name):
    project = tmp_path / name
    shutil.copytree(DEPLOYMENTS / name, project)
    (project / ".git").mkdir(exist_ok=True)  # the project's root: the evidence search stops here
    return project


def _run(monkeypatch, capsys, directory, *args):
    monkeypatch.chdir(directory)
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _targets(monkeypatch, capsys, directory, *args):
    code, out, _ = _run(monkeypatch, capsys, directory, "targets", "--output-format", "json", *args)
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("pgbouncer_ini", {"targets": ["pgbouncer-legacy"], "evidence": [{
            "target": "pgbouncer-legacy", "filename": "pgbouncer.ini", "row": 4,
            "reason": "[pgbouncer] section: pool_mode = transaction, max_prepared_statements = 0, track_extra_parameters = "
            "IntervalStyle, search_path, server_reset_query = DISCARD ALL; max_prepared_statements = 0 tracks no "
            "prepared statements"}]}),
        ("compose", {"targets": ["pgbouncer"], "evidence": [
            {"target": "pgbouncer", "filename": "docker-compose.yml", "row": 3,
             "reason": "image `bitnami/pgbouncer:1.24.1`, pool_mode = transaction"},
            {"target": None, "filename": "docker-compose.yml", "row": 8,
             "reason": "port 6432, PgBouncer's default; the pooler's image decides"}]}),
        ("kubernetes", {"targets": ["pgbouncer-legacy"], "evidence": [{
            "target": "pgbouncer-legacy", "filename": "deployment.yaml", "row": 10,
            "reason": "image `edoburu/pgbouncer:v1.18.0-p0`, pool_mode = transaction; PgBouncer 1.18.0 tracks no "
            "prepared statements (1.21+ does)"}]}),
        ("terraform", {"targets": ["rds-proxy"], "evidence": [{
            "target": "rds-proxy", "filename": "main.tf", "row": 1,
            "reason": "Terraform `aws_db_proxy.app` (engine family POSTGRESQL)"}]}),
        ("cloudformation", {"targets": ["rds-proxy"], "evidence": [{
            "target": "rds-proxy", "filename": "template.yaml", "row": 3,
            "reason": "CloudFormation `AWS::RDS::DBProxy` (engine family POSTGRESQL)"}]}),
        ("endpoints", {"targets": ["rds-proxy"], "evidence": [{
            "target": "rds-proxy", "filename": "settings.py", "row": 1,
            "reason": "RDS Proxy endpoint `orders.proxy-c1x2y3.us-east-1.rds.amazonaws.com`"}]}),
        ("supabase", {"targets": ["supavisor"], "evidence": [{
            "target": "supavisor", "filename": ".env.example", "row": 1,
            "reason": "Supabase pooler host on port 6543 (transaction mode)"}]}),
        ("none", {"targets": ["rds-proxy", "pgbouncer"], "evidence": []}),
        ("configured", {"targets": ["rds-proxy"], "evidence": []}),
    ],
)
def test_each_kind_of_evidence_names_its_targets(tmp_path, monkeypatch, capsys, kind, expected):
    assert _targets(monkeypatch, capsys, _project(tmp_path, kind)) == expected


# The same two statements (app.py) judged under each project's targets.
SEARCH_PATH, TIMEOUT = "app.py:2:17: PIN101 `SET search_path` changes a session setting: ", "app.py:3:17: PIN101 `SET statement_timeout` changes a session setting: "


@pytest.mark.parametrize(
    ("kind", "lines", "targets"),
    [
        ("none", [SEARCH_PATH + "pins the session on RDS Proxy; leaks search_path to the next client on PgBouncer",
                  TIMEOUT + "pins the session on RDS Proxy; leaks statement_timeout to the next client on PgBouncer"],
         "Targets: rds-proxy, pgbouncer (default; no pooler found in the project)."),
        # track_extra_parameters = search_path: that SET leaks nowhere; PIN301/PIN302 judge the ini file itself.
        ("pgbouncer_ini", [TIMEOUT + "leaks statement_timeout to the next client on PgBouncer < 1.21",
                           "pgbouncer.ini:7:27: PIN301", "pgbouncer.ini:9:22: PIN302"],
         "Targets: pgbouncer-legacy (inferred from 1 file; see `pinlint targets`)."),
        ("supabase", [SEARCH_PATH + "leaks search_path to the next client on Supavisor",
                      TIMEOUT + "leaks statement_timeout to the next client on Supavisor"],
         "Targets: supavisor (inferred from 1 file; see `pinlint targets`)."),
        ("terraform", [SEARCH_PATH + "pins the session on RDS Proxy", TIMEOUT + "pins the session on RDS Proxy",
                       "main.tf:9:31: PIN303 `EXCLUDE_VARIABLE_SETS` on an RDS Proxy for PostgreSQL: does nothing on RDS "
                       "Proxy (the filter applies to MySQL only: every SET still pins)"],
         "Targets: rds-proxy (inferred from 1 file; see `pinlint targets`)."),
        ("configured", [SEARCH_PATH + "pins the session on RDS Proxy", TIMEOUT + "pins the session on RDS Proxy"],
         "Targets: rds-proxy."),
    ],
)
def test_inferred_targets_decide_the_findings(tmp_path, monkeypatch, capsys, kind, lines, targets):
    code, out, err = _run(monkeypatch, capsys, _project(tmp_path, kind), "check", "--no-cache", "--output-format", "concise")
    found = out.splitlines()
    assert code == 1 and len(found) == len(lines)
    assert all(line.startswith(prefix) for line, prefix in zip(found, lines)), found
    assert err.endswith(f" {targets}\n")


def test_configuration_and_flags_override_the_evidence(tmp_path, monkeypatch, capsys):
    project = _project(tmp_path, "pgbouncer_ini")
    assert _targets(monkeypatch, capsys, project, "--target", "pgdog") == {"targets": ["pgdog"], "evidence": []}
    (project / "pinlint.toml").write_text('targets = ["rds-proxy", "pgbouncer-tracking"]\n', encoding="utf-8")
    assert _targets(monkeypatch, capsys, project)["targets"] == ["rds-proxy", "pgbouncer-tracking"]
    assert _targets(monkeypatch, capsys, project, "--target", "auto")["targets"] == ["pgbouncer-legacy"]
    (project / "pinlint.toml").write_text('targets = "auto"\n', encoding="utf-8")
    assert _targets(monkeypatch, capsys, project)["targets"] == ["pgbouncer-legacy"]
    (project / "pinlint.toml").write_text('targets = ["auto", "pgdog"]\n', encoding="utf-8")
    code, _, err = _run(monkeypatch, capsys, project, "targets")
    assert (code, err) == (2, f"pinlint: error: {project / 'pinlint.toml'}: targets: `auto` infers the targets; "
                              "it cannot be combined with others\n")


def test_full_output_explains_each_target(tmp_path, monkeypatch, capsys):
    code, out, _ = _run(monkeypatch, capsys, _project(tmp_path, "compose"), "targets")
    assert (code, out) == (0, (
        "Targets (inferred from the project's files):\n"
        "  pgbouncer  PgBouncer >= 1.21 in transaction mode with max_prepared_statements > 0\n"
        "Evidence:\n"
        "  docker-compose.yml:3: pgbouncer: image `bitnami/pgbouncer:1.24.1`, pool_mode = transaction\n"
        "  docker-compose.yml:8: no target: port 6432, PgBouncer's default; the pooler's image decides\n"
    ))


def test_a_changed_pgbouncer_ini_invalidates_cached_findings(tmp_path, monkeypatch, capsys):
    project = _project(tmp_path, "pgbouncer_ini")
    first = _run(monkeypatch, capsys, project, "check", "--output-format", "concise")[1]
    assert "PIN101 `SET search_path`" not in first
    ini = project / "pgbouncer.ini"
    ini.write_text(ini.read_text(encoding="utf-8").replace(", search_path", ""), encoding="utf-8")
    second = _run(monkeypatch, capsys, project, "check", "--output-format", "concise")[1]
    assert second.splitlines()[0].startswith(SEARCH_PATH + "leaks search_path to the next client on PgBouncer < 1.21")


@pytest.mark.parametrize(
    ("text", "name", "targets"),
    [
        ("[pgbouncer]\npool_mode = session\n", "pgbouncer.ini", ("rds-proxy", "pgbouncer")),  # session pooling: no hazard
        ("[pgbouncer]\nlisten_port = 6432\n", "pgbouncer.ini", ("rds-proxy", "pgbouncer")),  # PgBouncer's default mode is session
        ("[pgbouncer]\npool_mode = transaction\n", "pgbouncer.ini", ("pgbouncer",)),
        ("services:\n  p:\n    image: pgbouncer/pgbouncer:1.22.0\n", "compose.yml", ("pgbouncer-legacy",)),  # 0 before 1.24
        ("services:\n  p:\n    image: ghcr.io/pgdogdev/pgdog:main\n", "compose.yml", ("pgdog",)),
        ("FROM bitnami/pgbouncer:1.26.0\n", "Dockerfile", ("pgbouncer-tracking",)),
        ("URL = 'postgres://u@aws-0-eu-west-1.pooler.supabase.com:5432/postgres'\n", "s.py", ("rds-proxy", "pgbouncer")),
        ("engine = create_engine('postgresql://u@db:6432/app')\n", "s.py", ("pgbouncer",)),
        ('{"Resources": {"P": {"Type": "AWS::RDS::DBProxy", "Properties": {"EngineFamily": "MYSQL"}}}}', "t.json", ("rds-proxy",)),
    ],
)
def test_sightings_decide_targets(text, name, targets):
    deployment = decide([(name, s) for s in sightings_in(text, name)])
    assert tuple(t.value for t in deployment.targets) == targets


def test_track_extra_parameters_counts_only_reported_parameters_from_1_20():
    ini = "[pgbouncer]\npool_mode = transaction\ntrack_extra_parameters = search_path, statement_timeout\n"
    found = [("pgbouncer.ini", s) for s in sightings_in(ini, "pgbouncer.ini")]
    assert decide(found).tracked == frozenset({"search_path"})
    image = sightings_in("services:\n  p:\n    image: bitnami/pgbouncer:1.19.0\n", "compose.yml")
    assert decide(found + [("compose.yml", s) for s in image]).tracked == frozenset()


def test_hostile_evidence_is_bounded_and_never_a_control_sequence(tmp_path, monkeypatch, capsys):
    (tmp_path / ".git").mkdir()
    (tmp_path / "pgbouncer.ini").write_text(
        f"[pgbouncer]\npool_mode = transaction\nserver_reset_query = DISCARD{ESCAPE}[2J ALL\n" + "x" * 200_000 + "\n",
        encoding="utf-8",
    )
    (tmp_path / "main.tf").write_text('resource "aws_db_proxy" "p" {\n' * 5000 + '"unterminated\n', encoding="utf-8")
    (tmp_path / "c.yml").write_text("image: [" * 5000 + "\n", encoding="utf-8")
    code, out, _ = _run(monkeypatch, capsys, tmp_path, "targets")
    assert code == 0 and ESCAPE not in out
    assert "server_reset_query = DISCARD\\x1b[2J ALL" in out
    assert out.count("Terraform `aws_db_proxy.p`") == 100  # MAX_BLOCKS
    assert [line.split()[0] for line in out.splitlines()[1:3]] == [Target.RDS_PROXY.value, Target.PGBOUNCER.value]
