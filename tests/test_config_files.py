"""String values with key and position from every config format, and the line-scanner fallback."""

from __future__ import annotations

import random

import pytest

from pinlint.connections.files import ConfigValue as V
from pinlint.connections.files import config_format, read_config_values


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        (".env", "env"),
        (".env.local", "env"),
        (".env.example", "env"),
        ("prod.env", "env"),
        ("deploy/.ENV.production", "env"),
        ("settings.INI", "ini"),
        ("setup.cfg", "ini"),
        ("pyproject.toml", "toml"),
        ("app.yml", "yaml"),
        ("values.yaml", "yaml"),
        ("application.properties", "properties"),
        ("x.py", None),
        (".envrc", None),
        ("environment", None),
    ],
)
def test_config_format(name, fmt):
    assert config_format(name) == fmt


ENV = """\
# full-line comment
export DATABASE_URL=postgres://u:p@pgbouncer:6432/app  # trailing comment
PGOPTIONS="-c search_path=x\\n\\"q\\" \\\\"
SINGLE='literal\\n #kept'
EMPTY=
QUOTED_EMPTY=""
  SPACED = value with spaces
MULTI="first
second"
HASH=pass#word
UNCLOSED="rest of line
"""


def test_env():
    assert read_config_values(ENV, "env") == [
        V("DATABASE_URL", "postgres://u:p@pgbouncer:6432/app", 2, 21),
        V("PGOPTIONS", '-c search_path=x\n"q" \\', 3, 11),
        V("SINGLE", "literal\\n #kept", 4, 8),
        V("SPACED", "value with spaces", 7, 12),
        V("MULTI", "first\nsecond", 8, 7),
        V("HASH", "pass#word", 10, 6),
        V("UNCLOSED", '"rest of line', 11, 10),
    ]


def test_crlf_and_bom_keep_rows_and_columns():
    assert read_config_values("\ufeffA=1\r\nB='x'\rC=y\r\n", "env") == [
        V("A", "1", 1, 3),
        V("B", "x", 2, 3),
        V("C", "y", 3, 3),
    ]


PROPERTIES = r"""# comment
! also a comment
db.url=jdbc:postgresql://h/db?options=-c\ search_path\=x
db.user : admin
db.password secret
key\:with\=separators = caf\u00e9
multi = first \
        second \
  third
empty=
   indented.key  =   spaced
"""


def test_properties():
    assert read_config_values(PROPERTIES, "properties") == [
        V("db.url", "jdbc:postgresql://h/db?options=-c search_path=x", 3, 8),
        V("db.user", "admin", 4, 11),
        V("db.password", "secret", 5, 13),
        V("key:with=separators", "café", 6, 25),
        V("multi", "first second third", 7, 9),
        V("indented.key", "spaced", 11, 22),
    ]


INI = """\
top = postgres://before-any-section
; comment
# comment
[DEFAULT]
url = postgres://default
[db]
url = postgres://same
Mixed_Case: value with spaces
quoted = "postgres://q"
multi =
    line one
    line two
valueless
[replica]
url = postgres://same
inline = first
   second
"""


def test_ini():
    assert read_config_values(INI, "ini") == [
        V("top", "postgres://before-any-section", 1, 7),
        V("url", "postgres://default", 5, 7),
        V("url", "postgres://same", 7, 7),
        V("Mixed_Case", "value with spaces", 8, 13),
        V("quoted", "postgres://q", 9, 10),
        V("multi", "line one\nline two", 11, 5),
        V("url", "postgres://same", 15, 7),
        V("inline", "first\nsecond", 16, 10),
    ]


def test_ini_that_configparser_rejects_uses_the_line_scanner():
    # configparser crashes on an indented line under a key without value.
    assert read_config_values("[s]\nflag\n  url = postgres://h/db\n", "ini") == [V("url", "postgres://h/db", 3, 9)]


TOML = """\
title = "app"
port = 5432
debug = true
[database]
url = "postgres://u:p@h/db"
"quoted key" = 'literal\\n'
escaped = "tab\\there"
hosts = ["a", "b",
  "a"]
[database.replica]
url = "postgres://u:p@h/db"
pool = { options = "-c x=1", size = 3 }
script = \"\"\"
multi
line\"\"\"
[[servers]]
dsn = "s1"
[[servers]]
dsn = "s2"
[database.later]
x.y.url = "postgres://later"
"""


def test_toml():
    assert read_config_values(TOML, "toml") == [
        V("title", "app", 1, 9),
        V("url", "postgres://u:p@h/db", 5, 7),
        V("quoted key", "literal\\n", 6, 16),
        V("escaped", "tab\there", 7, 11),
        V("hosts", "a", 8, 10),
        V("hosts", "b", 8, 15),
        V("hosts", "a", 9, 3),
        V("url", "postgres://u:p@h/db", 11, 7),
        V("options", "-c x=1", 12, 20),
        V("script", "multi\nline", 13, 10),
        V("dsn", "s1", 17, 7),
        V("dsn", "s2", 19, 7),
        V("url", "postgres://later", 21, 11),
    ]


def test_broken_toml_uses_the_line_scanner():
    text = """\
[database]
url = "postgres://u:p@h/db"  # comment
options = -c statement_timeout=0  # not a TOML value
password = 'p #1'
"""
    assert read_config_values(text, "toml") == [
        V("url", "postgres://u:p@h/db", 2, 7),
        V("options", "-c statement_timeout=0", 3, 11),
        V("password", "p #1", 4, 12),
    ]


YAML = """\
plain: value
database:
  url: "postgres://u:p@h/db\\n"
  port: 5432
  ssl: yes
  port_text: '5432'
hosts:
  - one
  - name: two
environment:
  - DATABASE_URL=postgres://x
  - "PGOPTIONS=-c x=1"
script: |
  line1
  line2
base: &base {options: -c x=1}
copy: *base
empty: ""
---
second: document
"""


def test_yaml():
    assert read_config_values(YAML, "yaml") == [
        V("plain", "value", 1, 8),
        V("url", "postgres://u:p@h/db\n", 3, 8),
        V("port_text", "5432", 6, 14),
        V("hosts", "one", 8, 5),
        V("name", "two", 9, 11),
        V("environment", "DATABASE_URL=postgres://x", 11, 5),
        V("environment", "PGOPTIONS=-c x=1", 12, 5),
        V("script", "line1\nline2\n", 13, 9),
        V("options", "-c x=1", 16, 23),
        V("second", "document", 20, 9),
    ]


HELM = """\
kind: Deployment
spec:
  containers:
    - name: app
      env:
        {{- if .Values.db.enabled }}
        - name: DATABASE_URL
          value: "postgres://u:p@pgbouncer:6432/app"
        {{- end }}
        - DATABASE_URL=postgres://x
        - "PGOPTIONS=-c x=1"
      image: {{ .Values.image }}
"""


def test_helm_template_uses_the_line_scanner():
    assert read_config_values(HELM, "yaml") == [
        V("kind", "Deployment", 1, 7),
        V("name", "app", 4, 13),
        V("name", "DATABASE_URL", 7, 17),
        V("value", "postgres://u:p@pgbouncer:6432/app", 8, 18),
        V("", "DATABASE_URL=postgres://x", 10, 11),
        V("", "PGOPTIONS=-c x=1", 11, 11),
        V("image", "{{ .Values.image }}", 12, 14),
    ]


FORMATS = ["env", "properties", "ini", "toml", "yaml"]
JUNK = [
    "",
    "\n\n",
    "=",
    "key=",
    "- ",
    "[",
    "[[a]]\n[a]",
    '"unclosed',
    "\\",
    "a\\\n",
    "\x00\x01\x02\xff\ufffd",
    "\ud800 = x",
    "[" * 5000 + "]" * 5000,
    "a: " + "[" * 5000,
    "&a [*a]",
    "\tkey:\n\t- x",
    "[s]\nflag\n  continued",
    "- " + " " * 20000 + "x",  # the stock configparser pattern backtracks for seconds on this
    "a" + " " * 20000 + ":",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_junk_never_raises(fmt):
    rng = random.Random(fmt)
    alphabet = "ab=:#!;'\"\\\n\r \t-[]{}.,u0\x00\ufeff\ud800é|>&*%"
    samples = JUNK + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(2000)]
    samples.append(bytes(rng.randrange(256) for _ in range(4000)).decode("latin-1"))
    for text in samples:
        for found in read_config_values(text, fmt):
            assert found.value and found.row >= 1 and found.col >= 1


def test_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError):
        read_config_values("a=1", "json")


def test_deeply_nested_yaml_is_read_without_crashing():
    from pinlint.engine import lint_source
    from pinlint.settings import Settings

    assert lint_source(b"[" * 25000, "x.yaml", Settings()).findings == []
