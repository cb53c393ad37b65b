#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run Debian's Alembic (python3-alembic) with a sorted script listing.

Alembic builds its revision map in os.listdir() order, which is an accident
of the file system; where several orders are valid (independent branches),
that accident decides the order in which Alembic runs scripts.  retort takes
scripts in order of revision id (SPEC section 5), "which is Alembic's order
when its listing happens to be sorted".  This module makes the listing
sorted, and nothing else, so both tools can be compared step for step.  The
generated projects name files <rev>.py, so the sorted listing is the order
of revision ids.

Used two ways:
  /usr/bin/python3 tests/diff/alembic_sorted.py -c alembic.ini upgrade heads
      (same arguments as `python3 -m alembic`)
  import alembic_sorted; alembic_sorted.run(ini, ["upgrade", "heads"])
      -> (rc, stdout, stderr), in process (much faster: no interpreter and
      SQLAlchemy start-up per command)
"""

import contextlib
import io
import sys
import traceback

from alembic.config import CommandLine, Config
from alembic.script.base import Script

_patched = False


def patch():
    """Make Alembic list version directories in sorted order."""
    global _patched
    if _patched:
        return
    orig = Script._list_py_dir.__func__

    def sorted_list_py_dir(cls, scriptdir, path):
        return sorted(orig(cls, scriptdir, path))

    Script._list_py_dir = classmethod(sorted_list_py_dir)
    _patched = True


def run(ini, args):
    """Run one alembic command in process: returns (rc, stdout, stderr).
    rc is 0 on success, non-zero when Alembic failed (CommandError, usage
    error, or any exception, which the real CLI would print as a traceback).
    """
    patch()
    out = io.StringIO()
    err = io.StringIO()
    rc = 0
    cl = CommandLine(prog="alembic")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            options = cl.parser.parse_args(["-c", ini] + list(args))
            cfg = Config(file_=options.config, ini_section=options.name,
                         cmd_opts=options, stdout=out)
            cl.run_cmd(cfg, options)
        except SystemExit as e:
            if e.code is None or e.code == 0:
                rc = 0
            elif isinstance(e.code, int):
                rc = e.code if e.code > 0 else 1
            else:
                err.write(str(e.code) + "\n")
                rc = 1
        except Exception:  # noqa: BLE001 - the CLI would crash: a failure
            traceback.print_exc(file=err)
            rc = 1
    return rc, out.getvalue(), err.getvalue()


def main():
    patch()
    CommandLine(prog="alembic").main(argv=sys.argv[1:])


if __name__ == "__main__":
    main()
