"""`python -m pinlint`. Python puts the current directory first on `sys.path` for `-m`, so a
linted repository's own `json.py` or `tokenize.py` would be imported, and run, in place of the
standard library's. The modules imported before this one runs are already safe; every later
import must not see the current directory, unless it is the checkout pinlint runs from."""

import os
import sys


def _without_current_directory(path: list[str]) -> list[str]:
    here = os.path.realpath(os.getcwd())
    # Run from its own checkout, pinlint is found through the current directory, and worker
    # processes that start afresh (spawn) must find it the same way.
    if here == os.path.dirname(os.path.dirname(os.path.realpath(__file__))):
        return path
    return [entry for entry in path if os.path.realpath(entry or ".") != here]


sys.path[:] = _without_current_directory(sys.path)

if __name__ == "__main__":
    try:
        from pinlint.cli import main

        sys.exit(main())
    except KeyboardInterrupt:  # before `main` could handle it (while importing)
        print("pinlint: interrupted", file=sys.stderr)
        sys.exit(130)
