#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run several Alembic commands on one project, in one process.

    alembic_batch.py INI URL OUTDIR NAME 'ARGS' [NAME 'ARGS']...

For each NAME, runs `alembic -c INI ARGS` (ARGS split on blanks) with
sqlalchemy.url set to URL; leading words of ARGS of the form KEY=VALUE are
set in the environment for that command only (env.py reads them), except
ALEMBIC_INI=FILE, which runs that command on FILE instead of INI.  Writes
its stdout to OUTDIR/NAME.out, its stderr to OUTDIR/NAME.err and its exit
status (0, or 1 when Alembic raised) to OUTDIR/NAME.rc.

Used by tests/e2e/offline_alembic.sh; one interpreter for all commands of a
dialect keeps the test fast (SQLAlchemy's import alone takes most of a
second).

Alembic builds its revision map in os.listdir() order, an accident of the
file system that decides which of two independent branches it runs first.
retort takes scripts in order of revision id (SPEC section 5: "which is
Alembic's order when its listing happens to be sorted"), so the listing is
sorted here, and nothing else about Alembic is changed.
"""

import contextlib
import io
import os
import sys
import traceback

from alembic.config import CommandLine, Config
from alembic.script.base import Script


def sort_listing():
    orig = Script._list_py_dir.__func__

    def sorted_list_py_dir(cls, scriptdir, path):
        return sorted(orig(cls, scriptdir, path))

    Script._list_py_dir = classmethod(sorted_list_py_dir)


def run(ini, url, args):
    out = io.StringIO()
    err = io.StringIO()
    rc = 0
    cl = CommandLine(prog="alembic")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            options = cl.parser.parse_args(["-c", ini] + args)
            cfg = Config(file_=options.config, ini_section=options.name,
                         cmd_opts=options, stdout=out)
            cfg.set_main_option("sqlalchemy.url", url)
            cl.run_cmd(cfg, options)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
        except BaseException:
            traceback.print_exc()
            rc = 1
    return rc, out.getvalue(), err.getvalue()


def main(argv):
    if len(argv) < 6 or (len(argv) - 4) % 2:
        sys.stderr.write(__doc__)
        return 2
    ini, url, outdir = argv[1:4]
    sort_listing()
    pairs = argv[4:]
    for i in range(0, len(pairs), 2):
        name, args = pairs[i], pairs[i + 1].split()
        env = {}
        while args and "=" in args[0] and not args[0].startswith("-"):
            k, v = args.pop(0).split("=", 1)
            env[k] = v
        this_ini = env.pop("ALEMBIC_INI", ini)
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            rc, out, err = run(this_ini, url, args)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        base = os.path.join(outdir, name)
        with open(base + ".out", "w") as f:
            f.write(out)
        with open(base + ".err", "w") as f:
            f.write(err)
        with open(base + ".rc", "w") as f:
            f.write("%d\n" % rc)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
