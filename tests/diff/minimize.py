#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Shrink a generated graph on which retort and Alembic disagree, for a bug
report.  Not a test; a tool for whoever reads a failure of run.py.

    RETORT=... /usr/bin/python3 tests/diff/minimize.py SEED SIZE CMD [CMD...]

Each CMD is one command line, e.g. "upgrade heads" "downgrade base".  From an
empty database, both tools run the commands in turn; the graph "fails" when
after some command the scripts run (log order), the version rows or
success/failure differ.  Revisions are removed greedily (a revision goes
with everything built on it: descendants and dependents) as long as the
failure persists; then the minimal
graph is printed as retort script headers and kept on disk.
"""

import os
import shlex
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import gen  # noqa: E402
import run  # noqa: E402


def outcome(revs, cmds, retort_bin, keep=False):
    g = gen.Graph()
    for r in revs:
        g.add(r)
    tmp = tempfile.mkdtemp(prefix="retort-min-")
    adir, rdir = gen.write_projects(g, tmp)
    db = run.SqliteDb(adir, rdir)
    a = run.Alembic(adir)
    rt = run.Retort(rdir, retort_bin)
    result = None
    for c in cmds:
        args = shlex.split(c)
        ra = a.run(args)
        rr = rt.run(args)
        sa = db.state("alembic")
        sr = db.state("retort")
        if (ra[0] == 0) != (rr[0] == 0) or sa != sr:
            result = (c, ra, rr, sa, sr)
            break
    if not keep:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return result, tmp


def remove(revs, rid):
    """revs without rid and everything built on it (children through
    Revises, dependents through Depends On, by id or by label)."""
    gone = {rid}
    changed = True
    while changed:
        changed = False
        labels_gone = {lb for x in revs if x.id in gone for lb in x.labels}
        for r in revs:
            if r.id not in gone and (any(d in gone for d in r.down) or
                                     any(d in gone or d in labels_gone for d in r.deps)):
                gone.add(r.id)
                changed = True
    return [r for r in revs if r.id not in gone]


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    seed, size = int(sys.argv[1]), int(sys.argv[2])
    cmds = sys.argv[3:]
    retort_bin = os.environ["RETORT"]
    revs = gen.generate(seed, size).revs
    res, _ = outcome(revs, cmds, retort_bin)
    if res is None:
        print("no difference on this graph")
        return 1
    progress = True
    while progress:
        progress = False
        for r in list(reversed(revs)):
            if r.id not in {x.id for x in revs}:
                continue
            cand = remove(revs, r.id)
            if not cand:
                continue
            try:
                res2, _ = outcome(cand, cmds, retort_bin)
            except Exception:  # noqa: BLE001 - an invalid graph: skip it
                continue
            if res2 is not None:
                revs = cand
                progress = True
                sys.stderr.write("%d revisions\n" % len(revs))
    res, tmp = outcome(revs, cmds, retort_bin, keep=True)
    for r in revs:
        print("%s  Revises: %s  Labels: %s  Depends: %s" % (
            r.id, ", ".join(r.down) or "-", ", ".join(r.labels) or "-",
            ", ".join(r.deps) or "-"))
    c, ra, rr, sa, sr = res
    print("command: %s" % c)
    print("alembic: exit %s rows %s log %s" % (ra[0], sorted(sa[0]), sa[1]))
    print("retort:  exit %s rows %s log %s" % (rr[0], sorted(sr[0]), sr[1]))
    print("kept in %s" % tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
