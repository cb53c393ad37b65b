#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test: random revision graphs answered by retort's graph code
(graph_driver) and by Alembic (alembic_ref.py), compared command by command.

usage: differential.py DRIVER SEED... [--count N] [--size N] [--keep DIR]
Prints TAP, one test per seed; a failure prints the seed, the command and
both answers, and keeps the input file for replay:
    graph_driver FILE ; /usr/bin/python3 alembic_ref.py FILE
"""
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import alembic_ref  # noqa: E402  (applies retort's determinism patches)
from alembic.script.revision import RevisionMap  # noqa: E402


def gen_graph(rnd, size):
    revs = []  # (id, down, labels, deps, message)
    ids = []
    prefixes = ["ab", "abc1", "c0", "d", "e5e5", ""]
    labels_used = set()
    n = rnd.randint(1, size)
    children = {}
    for i in range(n):
        while True:
            p = rnd.choice(prefixes)
            rid = p + "".join(rnd.choice("0123456789abcdef") for _ in range(12 - len(p)))
            if rid not in ids:
                break
        heads = [r for r in ids if not children.get(r)]
        x = rnd.random()
        if not ids or x < 0.12:
            down = []
        elif x < 0.27 and len(ids) >= 2:
            pool = heads if len(heads) >= 2 and rnd.random() < 0.8 else ids
            down = rnd.sample(pool, min(len(pool), rnd.choice([2, 2, 3])))
        else:
            pool = heads if heads and rnd.random() < 0.7 else ids
            down = [rnd.choice(pool)]
        labels = []
        if rnd.random() < 0.12:
            lab = "lab%d" % len(labels_used)
            labels_used.add(lab)
            labels.append(lab)
        deps = []
        if ids and rnd.random() < 0.12:
            deps = rnd.sample(ids, min(len(ids), rnd.choice([1, 1, 2])))
        for d in down:
            children.setdefault(d, []).append(rid)
        for d in deps:
            children.setdefault(d, []).append(rid)
        revs.append((rid, down, labels, deps, "msg %d" % i))
        ids.append(rid)
    # deps given by label sometimes
    lab_of = {r[0]: r[2][0] for r in revs if r[2]}
    out = []
    for rid, down, labels, deps, msg in revs:
        deps = [lab_of[d] if d in lab_of and rnd.random() < 0.5 else d for d in deps]
        out.append((rid, down, labels, deps, msg))
    return out, sorted(labels_used)


def specs(rnd, revs, labels):
    ids = [r[0] for r in revs]
    s = ["heads", "head", "base", "+1", "+2", "-1", "-2", "head-1", "zzzz", "ab",
         "abc1", "heads-1", "base+1", "base+2"]
    for _ in range(6):
        i = rnd.choice(ids)
        s += [i, i[:4], i[:6], i + "@head", i + "+1", i + "-1", i[:5] + "+2"]
    for lab in labels:
        s += [lab, lab + "@head", lab + "@base", lab + "@heads", lab + "@+1", lab + "@-1",
              lab + "@" + rnd.choice(ids)]
    return s


def current_states(rnd, revs, count):
    objs = [alembic_ref.make_script(*r) for r in sorted(revs)]
    rm = RevisionMap(lambda: objs)
    rm._revision_map
    ids = [r[0] for r in revs]
    states = [()]
    for _ in range(count):
        pick = rnd.sample(ids, min(len(ids), rnd.randint(1, 3)))
        try:
            cur = rm._get_all_current(tuple(pick))
            states.append(tuple(sorted(r.revision for r in cur)))
        except Exception:
            pass
    return states


def gen_file(seed, size):
    rnd = random.Random(seed)
    revs, labels = gen_graph(rnd, size)
    lines = ["rev|%s|%s|%s|%s|%s" % (r[0], ",".join(r[1]) or "-", ",".join(r[2]) or "-",
                                     ",".join(r[3]) or "-", r[4]) for r in revs]
    cmds = ["heads", "bases", "realheads", "heads_fmt|0", "heads_fmt|1", "branches_fmt|0",
            "branches_fmt|1", "history|-|0|-", "history|-|1|-"]
    try:
        states = current_states(rnd, revs, 8)
    except Exception:
        states = [()]
    sp = specs(rnd, revs, labels)
    for spec in sp:
        cur = ",".join(rnd.choice(states)) or "-"
        cmds.append("resolve|%s|%s" % (spec, cur))
        cmds.append("getrevs|%s" % spec)
    for _ in range(25):
        cur = ",".join(rnd.choice(states)) or "-"
        cmds.append("upgrade|%s|%s" % (rnd.choice(sp), cur))
        cur = ",".join(rnd.choice(states)) or "-"
        cmds.append("downgrade|%s|%s" % (rnd.choice(sp), cur))
    for _ in range(10):
        cur = ",".join(rnd.choice(states)) or "-"
        t = ",".join(rnd.sample(sp, rnd.randint(1, 2)))
        cmds.append("stamp|%s|%s|%d" % (t, cur, rnd.random() < 0.2))
    for _ in range(6):
        a = rnd.choice(sp + [""])
        b = rnd.choice(sp + ["", "current"])
        cur = ",".join(rnd.choice(states)) or "-"
        cmds.append("history|%s:%s|%d|%s" % (a, b, rnd.random() < 0.3,
                                              cur if rnd.random() < 0.5 else "-"))
    # malformed and odd specifiers: Alembic's parsing edge cases
    ids = [r[0] for r in revs]
    alphabet = "@+-0123456789abcdefheadsbase" + "".join(labels)[:10]
    toks = ["head", "heads", "base", "@", "+", "-", "1", "2"] + \
        [i[:rnd.randint(1, 12)] for i in ids] + labels
    for _ in range(20):
        if rnd.random() < 0.5:
            spec = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12)))
        else:
            spec = "".join(rnd.choice(toks) for _ in range(rnd.randint(1, 4)))
        cur = ",".join(rnd.choice(states)) or "-"
        cmd = rnd.choice(["resolve|%s|%s", "getrevs|%s", "upgrade|%s|%s",
                          "downgrade|%s|%s", "stamp|%s|%s|0", "show|%s"])
        cmds.append(cmd % ((spec, cur)[:cmd.count("%s")]))
    for st in states[:4]:
        cmds.append("current_fmt|%d|%s" % (rnd.random() < 0.5, ",".join(st) or "-"))
    for _ in range(4):
        cmds.append("show|%s" % rnd.choice(sp))
    return "\n".join(lines + cmds) + "\n"


def blocks(text):
    out, cur = [], None
    pre = []
    for line in text.splitlines():
        if line.startswith("> "):
            cur = [line]
            out.append(cur)
        elif cur is None:
            pre.append(line)
        else:
            cur.append(line)
    return pre, out


TUPLE = re.compile(r"\((?:'[^']*'(?:, '[^']*')*,?)?\)")


def tuple_as_retort(m):
    """Alembic prints `current` in an error as Python's repr of a tuple,
    ('ae10', '55af'); retort says "current (ae10, 55af)" on purpose
    (core/format.c, range_end_text)."""
    return "current (%s)" % ", ".join(re.findall(r"'([^']*)'", m.group(0)))


def retort_wording(line):
    """An Alembic error line as retort words it on purpose: every tuple of
    current revisions, wherever it appears (a range error's start or end,
    a multiple-heads argument and its '<branchname>@(...)')."""
    if line.startswith("error: ") and not line.startswith("error: PYEXC"):
        return TUPLE.sub(tuple_as_retort, line)
    return line


def same(py, c):
    py = [retort_wording(line) for line in py]
    if py[-1].startswith("error: PYEXC"):
        # Alembic crashed (a traceback for its user, maybe after printing
        # part of its answer): retort's answer, an error or a result, is
        # not compared
        return True
    if len(py) == 2 and py[1].startswith("error: PYEXC"):
        return len(c) == 2 and c[1].startswith("error: ")
    if len(py) == 2 and py[1].startswith("error: ") and len(c) == 2:
        return c[1] == py[1] or c[1].startswith(py[1] + " (")
    return py == c


def check(driver, seed, size, keep):
    text = gen_file(seed, size)
    fd, path = tempfile.mkstemp(prefix="graph%d_" % seed, suffix=".txt", dir=keep)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    c = subprocess.run([driver, path], capture_output=True, text=True)
    py = subprocess.run([sys.executable, os.path.join(HERE, "alembic_ref.py"), path],
                        capture_output=True, text=True)
    if c.returncode != 0:
        return False, "driver exited %d: %s" % (c.returncode, c.stderr[-2000:]), path
    if py.returncode != 0:
        return False, "alembic_ref exited %d: %s" % (py.returncode, py.stderr[-2000:]), path
    cpre, cb = blocks(c.stdout)
    ppre, pb = blocks(py.stdout)
    if cpre != ppre:
        return False, "graph load differs:\n  alembic: %s\n  retort:  %s" % (ppre, cpre), path
    if len(cb) != len(pb):
        return False, "different number of answers %d vs %d" % (len(pb), len(cb)), path
    cmdlines = [l for l in text.splitlines() if not l.startswith("rev|")]
    for i, (p, q) in enumerate(zip(pb, cb)):
        if not same(p, q):
            return False, "command %r:\n--- alembic\n%s\n--- retort\n%s" % (
                cmdlines[i], "\n".join(p), "\n".join(q)), path
    os.unlink(path)
    return True, "", None


def main():
    args = sys.argv[1:]
    driver = args.pop(0)
    size, keep, seeds = 30, None, []
    while args:
        a = args.pop(0)
        if a == "--size":
            size = int(args.pop(0))
        elif a == "--keep":
            keep = args.pop(0)
        elif a == "--count":
            n = int(args.pop(0))
            base = random.randrange(1 << 30)
            seeds += list(range(base, base + n))
        else:
            seeds.append(int(a))
    print("1..%d" % len(seeds))
    failed = 0
    for i, seed in enumerate(seeds, 1):
        ok, why, path = check(driver, seed, size, keep)
        if ok:
            print("ok %d - seed %d" % (i, seed))
        else:
            failed += 1
            print("not ok %d - seed %d (input kept in %s)" % (i, seed, path))
            for line in why.splitlines():
                print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
