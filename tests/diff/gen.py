#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Random revision graphs written twice: as an Alembic project and as a
retort project with the same revision ids.

Run with Debian's /usr/bin/python3 (standard library only; the projects it
writes need python3-alembic to run).  Used by tests/diff/run.py; can also be
run by hand to look at a graph:

    /usr/bin/python3 tests/diff/gen.py --seed 7 --size 40 --out /tmp/g7

writes /tmp/g7/alembic (alembic.ini, env.py, script.py.mako, versions/*.py)
and /tmp/g7/retort (retort.cfg, migrations/script.sql.tmpl,
migrations/versions/*.sql), each with its own SQLite file app.db holding the
`log` table.

Every script's upgrade appends (rev, 'up') to `log` and its downgrade appends
(rev, 'down'), so the log is the exact trace of which scripts ran in which
order.  The graph is built the way teams grow one: linear runs on heads,
branches off older revisions, merges of 2-3 heads, branch labels on some
branches, several independent bases with their own labels, and depends_on
across branches (by id or by label).  Revision ids are mostly 12 hex
digits, some sharing a prefix with an earlier id so that partial ids can be
ambiguous, some all decimal or hand-written.  A few scripts are poisoned:
their upgrade or downgrade section fails after logging, so the command
must roll back.

Determinism: a graph is a pure function of (seed, size).  Files are named
<rev>.py / <rev>.sql so that a sorted directory listing is the order of
revision ids (SPEC section 5: retort takes scripts in id order, which is
Alembic's order when its listing happens to be sorted; run.py makes Alembic's
listing sorted).
"""

import argparse
import os
import random
import sqlite3
import sys

LOG_DDL = ("CREATE TABLE log (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
           "rev VARCHAR(32) NOT NULL, dir VARCHAR(4) NOT NULL)")


class Rev:
    """One revision of the generated graph."""

    def __init__(self, rid, down, labels=(), deps=(), idx=0):
        self.id = rid
        self.down = list(down)      # Revises, in listed order
        self.labels = list(labels)  # Branch Labels declared here
        self.deps = list(deps)      # Depends On as written (ids or labels)
        self.idx = idx              # creation order
        self.message = "step %d" % idx
        self.poison = None          # "up"/"down": that section fails

    def __repr__(self):
        return "Rev(%s, down=%s, labels=%s, deps=%s)" % (
            self.id, self.down, self.labels, self.deps)


class Graph:
    """A generated graph plus the bookkeeping the command picker needs."""

    def __init__(self):
        self.revs = []          # in creation order
        self.by_id = {}
        self.children = {}      # id -> [ids] via Revises
        self.label_owner = {}   # label -> id declaring it

    def add(self, rev):
        assert rev.id not in self.by_id
        self.revs.append(rev)
        self.by_id[rev.id] = rev
        self.children[rev.id] = []
        for d in rev.down:
            self.children[d].append(rev.id)
        for lb in rev.labels:
            self.label_owner.setdefault(lb, rev.id)

    def resolve(self, name):
        """Id for an id or a declared label."""
        return self.label_owner.get(name, name)

    def heads(self):
        """Revisions without children (through Revises)."""
        return [r.id for r in self.revs if not self.children[r.id]]

    def ancestors(self, rid, deps=True):
        """All ancestors of rid (excluding rid), through Revises and, if
        deps, Depends On."""
        seen = set()
        todo = [rid]
        while todo:
            r = self.by_id[todo.pop()]
            ups = list(r.down)
            if deps:
                ups += [self.resolve(d) for d in r.deps]
            for u in ups:
                if u not in seen:
                    seen.add(u)
                    todo.append(u)
        return seen

    def descendants(self, rid):
        seen = set()
        todo = [rid]
        while todo:
            for c in self.children[todo.pop()]:
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        return seen

    def all_labels(self):
        return sorted(self.label_owner)


def new_id(rng, taken, prefix_pool):
    """A fresh id: mostly 12 hex digits as Alembic makes them, sometimes
    sharing a 4..8 digit prefix with an existing id (so short partial ids
    become ambiguous), sometimes all decimal digits (Alembic tries int() on
    specifiers), and sometimes a hand-written id of another length with
    upper case and '_' (any [A-Za-z0-9_]+ is legal with --rev-id)."""
    while True:
        rid = "%012x" % rng.getrandbits(48)
        x = rng.random()
        if prefix_pool and x < 0.12:
            other = rng.choice(prefix_pool)
            k = rng.randint(4, min(8, len(other)))
            rid = other[:k] + rid[k:]
        elif x < 0.15:
            rid = "%012d" % rng.randrange(10 ** 12)
        elif x < 0.19:
            rid = "".join(rng.choice("ABCDEFabcdef0123456789_")
                          for _ in range(rng.randint(5, 20)))
        if rid not in taken:
            return rid


def independent(g, ids):
    """True if no revision of `ids` is an ancestor (through Revises or
    Depends On) of another.  A merge or dependency list violating this is
    legal but redundant, and Alembic 1.8.1 mishandles it (KeyError in
    HeadMaintainer when the redundant parent's row was already absorbed),
    so the generator avoids it; see run.py for how Alembic crashes are
    reported."""
    for a in ids:
        anc = g.ancestors(a)
        if any(b != a and b in anc for b in ids):
            return False
    return len(set(ids)) == len(ids)


def generate(seed, size):
    """Build a random graph of `size` revisions (at least 1)."""
    rng = random.Random("graph-%d-%d" % (seed, size))
    g = Graph()
    taken = set()
    ids = []
    nlabel = [0]

    def fresh_label(kind):
        nlabel[0] += 1
        return "%s%d" % (kind, nlabel[0])

    def mk(down, labels=(), deps=()):
        rid = new_id(rng, taken, ids)
        taken.add(rid)
        ids.append(rid)
        r = Rev(rid, down, labels, deps, idx=len(g.revs))
        g.add(r)
        return r

    size = max(1, size)
    nbases = min(size, rng.choice([1, 1, 2, 2, 3, 4]))
    for i in range(nbases):
        # The first base is unlabelled half of the time; the others (the
        # "independent branches" of Alembic's docs) carry their own label.
        labels = [] if (i == 0 and rng.random() < 0.5) else [fresh_label("base")]
        mk([], labels)

    # The lineage a "team" is currently working on: linear runs keep going
    # on it, which produces long chains rather than a bush.
    current = g.revs[-1].id
    while len(g.revs) < size:
        heads = g.heads()
        x = rng.random()
        labels = []
        down = None
        if x < 0.08 and len(heads) >= 2:
            k = 3 if (len(heads) >= 3 and rng.random() < 0.3) else 2
            for _ in range(10):
                cand = rng.sample(heads, k)
                if independent(g, cand):
                    down = cand
                    break
        if down is not None:
            pass
        elif x < 0.22:
            # branch off any revision (often a non-head: a branch point)
            down = [rng.choice(g.revs).id]
            if rng.random() < 0.4:
                labels = [fresh_label("br")]
        else:
            if current in heads and rng.random() < 0.8:
                down = [current]
            else:
                down = [rng.choice(heads)]
        deps = []
        if rng.random() < 0.12:
            # depends_on a revision that is not already an ancestor (else it
            # is normalised away, which is legal but tests less)
            anc = set(down)
            for d in down:
                anc |= g.ancestors(d)
            cands = [r for r in g.revs if r.id not in anc
                     and not anc.intersection(g.ancestors(r.id))]
            ndeps = 2 if rng.random() < 0.15 else 1
            chosen = rng.sample(cands, min(ndeps, len(cands)))
            if not independent(g, [r.id for r in chosen]):
                chosen = chosen[:1]
            for r in chosen:
                if r.labels and rng.random() < 0.4:
                    deps.append(r.labels[0])   # by label
                else:
                    deps.append(r.id)
        r = mk(down, labels, deps)
        current = r.id
        if rng.random() < 0.015:
            r.poison = rng.choice(["up", "down"])
    return g


# ---------------------------------------------------------------- writers

ALEMBIC_INI = """\
[alembic]
script_location = {script_location}
file_template = %%(rev)s
sqlalchemy.url = sqlite:///{db}
"""

# No logging configuration: Alembic then prints only what commands print.
ENV_PY = '''\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        # One transaction for the whole command, as retort runs by default.
        # Alembic's SQLite impl says transactional_ddl = False, and then
        # SQLAlchemy 1.4 autocommits every statement: a failing script would
        # leave the migrations before it (and its own first statements)
        # applied, where retort rolls the whole run back.
        context.configure(connection=connection, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

# Template for `alembic merge` / `alembic revision`: same log rows as the
# generated scripts.
SCRIPT_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    op.execute("INSERT INTO log(rev, dir) VALUES ('${up_revision}', 'up')")


def downgrade():
    op.execute("INSERT INTO log(rev, dir) VALUES ('${up_revision}', 'down')")
'''

RETORT_CFG = """\
script_location = "migrations";
url = "sqlite:///app.db";
file_template = "%(rev)s";
"""

SCRIPT_SQL_TMPL = """\
-- Message: ${message}
-- Revision ID: ${up_revision}
-- Revises: ${down_revision}
-- Create Date: ${create_date}
-- Branch Labels: ${branch_labels}
-- Depends On: ${depends_on}

-- retort:upgrade
INSERT INTO log(rev, dir) VALUES ('${up_revision}', 'up');

-- retort:downgrade
INSERT INTO log(rev, dir) VALUES ('${up_revision}', 'down');
"""


def _py_tuple(items):
    if not items:
        return "None"
    if len(items) == 1:
        return repr(items[0])
    return "(" + ", ".join(repr(i) for i in items) + ")"


# A statement that fails on every database: a poisoned section logs its
# row, then fails, so the whole command must roll back (log row included).
POISON = "INSERT INTO no_such_table (x) VALUES (1)"


def alembic_script(r):
    return '''\
"""{msg}

Revision ID: {rid}
Revises: {revises}
Create Date: 2026-01-01 00:00:00.000000

"""
from alembic import op

revision = {rid!r}
down_revision = {down}
branch_labels = {labels}
depends_on = {deps}


def upgrade():
    op.execute("INSERT INTO log(rev, dir) VALUES ('{rid}', 'up')"){up_fail}


def downgrade():
    op.execute("INSERT INTO log(rev, dir) VALUES ('{rid}', 'down')"){down_fail}
'''.format(msg=r.message, rid=r.id, revises=", ".join(r.down),
           down=_py_tuple(r.down), labels=_py_tuple(r.labels),
           deps=_py_tuple(r.deps),
           up_fail="\n    op.execute(%r)" % POISON if r.poison == "up" else "",
           down_fail="\n    op.execute(%r)" % POISON if r.poison == "down" else "")


def retort_script(r):
    lines = ["-- Message: %s" % r.message,
             "-- Revision ID: %s" % r.id,
             "-- Revises: %s" % ", ".join(r.down),
             "-- Create Date: 2026-01-01 00:00:00.000000"]
    if r.labels:
        lines.append("-- Branch Labels: %s" % ", ".join(r.labels))
    if r.deps:
        lines.append("-- Depends On: %s" % ", ".join(r.deps))
    lines += ["",
              "-- retort:upgrade",
              "INSERT INTO log(rev, dir) VALUES ('%s', 'up');" % r.id]
    if r.poison == "up":
        lines.append(POISON + ";")
    lines += ["",
              "-- retort:downgrade",
              "INSERT INTO log(rev, dir) VALUES ('%s', 'down');" % r.id]
    if r.poison == "down":
        lines.append(POISON + ";")
    lines.append("")
    return "\n".join(lines)


def init_db(path):
    """Create the SQLite file with the log table (both tools start here)."""
    con = sqlite3.connect(path)
    try:
        con.execute(LOG_DDL)
        con.commit()
    finally:
        con.close()


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def write_projects(g, out, url=None):
    """Write out/alembic and out/retort; return (alembic_dir, retort_dir).
    Without `url`, each project gets its own SQLite file app.db with the log
    table; with `url` (a server database), both configs name that URL and
    the caller creates the log tables (run.py selects a schema per tool)."""
    adir = os.path.join(out, "alembic")
    rdir = os.path.join(out, "retort")
    os.makedirs(os.path.join(adir, "versions"))
    os.makedirs(os.path.join(rdir, "migrations", "versions"))
    if url is None:
        ini = ALEMBIC_INI.format(script_location=adir,
                                 db=os.path.join(adir, "app.db"))
        cfg = RETORT_CFG
    else:
        ini = ALEMBIC_INI.replace("sqlite:///{db}", url.replace("%", "%%")).format(
            script_location=adir)
        cfg = RETORT_CFG.replace("sqlite:///app.db", url)
    _write(os.path.join(adir, "alembic.ini"), ini)
    _write(os.path.join(adir, "env.py"), ENV_PY)
    _write(os.path.join(adir, "script.py.mako"), SCRIPT_MAKO)
    _write(os.path.join(rdir, "retort.cfg"), cfg)
    if url is not None:   # it holds a password
        os.chmod(os.path.join(adir, "alembic.ini"), 0o600)
        os.chmod(os.path.join(rdir, "retort.cfg"), 0o600)
    _write(os.path.join(rdir, "migrations", "script.sql.tmpl"),
           SCRIPT_SQL_TMPL)
    for r in g.revs:
        _write(os.path.join(adir, "versions", r.id + ".py"), alembic_script(r))
        _write(os.path.join(rdir, "migrations", "versions", r.id + ".sql"),
               retort_script(r))
    if url is None:
        init_db(os.path.join(adir, "app.db"))
        init_db(os.path.join(rdir, "app.db"))
    return adir, rdir


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--size", type=int, default=30)
    ap.add_argument("--out", required=True,
                    help="directory to create (must not exist)")
    a = ap.parse_args(argv)
    g = generate(a.seed, a.size)
    os.makedirs(a.out)
    write_projects(g, a.out)
    for r in g.revs:
        print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
