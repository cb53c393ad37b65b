#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Reference answers from Alembic itself for graph_driver's input format.

Reads the same file as tests/unit/graph/graph_driver.c and prints the same
facts, computed by Alembic's RevisionMap, ScriptDirectory._upgrade_revs /
_downgrade_revs / _stamp_revs, HeadMaintainer and command.py's printing,
with revisions loaded in order of id (SPEC section 5).

Where Alembic picks from a Python set, retort's documented order is patched
in (SPEC section 5): normalized dependencies keep their listed order, a
merge keeps (UPDATEs) its last listed parent's row, an unmerge UPDATEs to
the last listed parent and INSERTs the others.  Everything else is Alembic
unmodified.

Errors print "error: <CommandError text>"; exceptions Alembic does not
turn into a CommandError print "error: PYEXC <type>", for which any error
from retort is accepted.
"""
import re
import sys
import types

from alembic import command, util
from alembic.runtime import migration
from alembic.script import base as script_base
from alembic.script import revision as revmod
from alembic.script.base import Script, ScriptDirectory
from alembic.script.revision import RevisionMap


# ---------------------------------------------------------------- determinism patches

def _normalize_depends_on(self, revisions, map_):
    for revision in revisions:
        if revision._resolved_dependencies:
            drop = set()
            for rev in self._get_ancestor_nodes(
                [revision], include_dependencies=False, map_=map_
            ):
                if rev is revision:
                    continue
                elif rev._resolved_dependencies:
                    drop.update(rev._resolved_dependencies)
            revision._normalized_resolved_dependencies = tuple(
                d for d in util.unique_list(revision._resolved_dependencies)
                if d not in drop
            )
        else:
            revision._normalized_resolved_dependencies = ()


RevisionMap._normalize_depends_on = _normalize_depends_on


def _merge_order(self):
    """Dependencies first, then Revises: the last listed Revises is kept."""
    down = self.revision._versioned_down_revisions
    return tuple(r for r in self.revision._normalized_resolved_dependencies
                 if r not in down) + tuple(down)


def merge_branch_idents(self, heads):
    other_heads = set(heads).difference(self.from_revisions)
    if other_heads:
        ancestors = set(
            r.revision
            for r in self.revision_map._get_ancestor_nodes(
                self.revision_map.get_revisions(other_heads), check=False
            )
        )
        from_revisions = [r for r in _merge_order(self) if r not in ancestors]
    else:
        from_revisions = list(_merge_order(self))
    return (list(from_revisions[0:-1]), from_revisions[-1], self.to_revisions[0])


def _unmerge_to_revisions(self, heads):
    other_heads = set(heads).difference([self.revision.revision])
    if other_heads:
        ancestors = set(
            r.revision
            for r in self.revision_map._get_ancestor_nodes(
                self.revision_map.get_revisions(other_heads), check=False
            )
        )
        return tuple(r for r in _merge_order(self) if r not in ancestors)
    return _merge_order(self)


migration.RevisionStep.merge_branch_idents = merge_branch_idents
migration.RevisionStep._unmerge_to_revisions = _unmerge_to_revisions


# ---------------------------------------------------------------- fakes

class SortedSet(set):
    def __iter__(self):
        return iter(sorted(set.__iter__(self)))


class Recorder(migration.HeadMaintainer):
    def __init__(self, heads):
        self.heads = set(heads)
        self.ops = []

    def _insert_version(self, version):
        assert version not in self.heads
        self.heads.add(version)
        self.ops.append("  insert %s" % version)

    def _delete_version(self, version):
        self.heads.remove(version)
        self.ops.append("  delete %s" % version)

    def _update_version(self, from_, to_):
        assert to_ not in self.heads
        self.heads.remove(from_)
        self.heads.add(to_)
        self.ops.append("  update %s -> %s" % (from_, to_))


def make_script(rid, down, labels, deps, message):
    mod = types.ModuleType("rev_" + rid)
    mod.down_revision = tuple_or(down)
    mod.branch_labels = tuple(labels) or None
    mod.depends_on = tuple_or(deps)
    doc = "%s\n\nRevision ID: %s\nRevises: %s\nCreate Date: %s\n\n" % (
        message, rid, ", ".join(down), "2026-01-01 00:00:00.000000")
    mod.__doc__ = doc
    mod.upgrade = lambda: None
    mod.downgrade = lambda: None
    mod.upgrade.__name__ = "upgrade"
    mod.downgrade.__name__ = "downgrade"
    return Script(mod, rid, "versions/%s_x.sql" % rid)


def tuple_or(v):
    if not v:
        return None
    if len(v) == 1:
        return v[0]
    return tuple(v)


def lst(s):
    if s in ("-", ""):
        return []
    return [x.strip() for x in s.split(",") if x.strip()]


def step_text(step):
    # log.info("Running %s", step)
    return "step Running %s" % (step,)


class FakeConfig:
    def __init__(self, out):
        self.out = out

    def get_main_option(self, name, default=None):
        return default

    def print_stdout(self, text, *arg):
        self.out.write((str(text) % arg if arg else str(text)) + "\n")


def main():
    scripts = []
    lines = open(sys.argv[1]).read().splitlines()
    cmds = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        f = line.split("|")
        if f[0] == "rev":
            scripts.append((f[1], lst(f[2]), lst(f[3]), lst(f[4]), f[5] if len(f) > 5 else ""))
        else:
            cmds.append(f)
    scripts.sort(key=lambda s: s[0])
    objs = [make_script(*s) for s in scripts]
    sd = ScriptDirectory.__new__(ScriptDirectory)
    sd.revision_map = RevisionMap(lambda: objs)
    rm = sd.revision_map
    try:
        rm._revision_map
    except Exception as e:
        print("error: %s" % e)
        return
    # nextrev and branch_labels are sets in Alembic: retort prints them sorted
    for s in objs:
        s.nextrev = tuple(sorted(s.nextrev))
        s.branch_labels = SortedSet(s.branch_labels)
    script_base.ScriptDirectory.from_config = classmethod(lambda cls, cfg: sd)
    out = sys.stdout
    for f in cmds:
        print("> %s" % f[0])
        sys.stdout.flush()
        try:
            run(f, sd, rm, out)
        except util.CommandError as e:
            msg = str(e)
            m = re.match(r"(Requested revision \S+ overlaps with other requested revisions )(.*)",
                         msg)
            if m:  # a set in Alembic; retort lists them sorted
                msg = m.group(1) + ", ".join(sorted(m.group(2).split(", ")))
            print("error: %s" % msg)
        except Exception as e:  # noqa
            print("error: PYEXC %s %s" % (type(e).__name__, str(e).replace("\n", " ")))


def run(f, sd, rm, out):
    cmd = f[0]
    if cmd == "heads":
        print("heads" + "".join(" " + h for h in rm.heads))
    elif cmd == "bases":
        print("bases" + "".join(" " + h for h in rm.bases))
    elif cmd == "realheads":
        print("realheads" + "".join(" " + h for h in rm._real_heads))
    elif cmd in ("resolve", "getrevs"):
        spec = f[1]
        cur = tuple(lst(f[2])) if len(f) > 2 else ()
        with sd._catch_revision_errors():
            if cmd == "getrevs":
                revs = rm.get_revisions(spec)
            else:
                m = revmod._relative_destination.match(spec)
                if m and int(m.group(3)) > 0:
                    revs = rm._parse_upgrade_target(cur, spec, True)
                    if revs and revs[0] is None:
                        raise util.CommandError("Walked too far")
                elif m:
                    revs = (rm._parse_downgrade_target(cur, spec, True)[1],)
                else:
                    revs = rm.get_revisions(spec)
        print("ids" + "".join(" " + r.revision for r in revs
                              if r is not None and r != "base"))
    elif cmd in ("upgrade", "downgrade", "stamp"):
        cur = tuple(lst(f[2]))
        if cmd == "upgrade":
            steps = sd._upgrade_revs(f[1], cur)
        elif cmd == "downgrade":
            steps = sd._downgrade_revs(f[1], cur)
        else:
            purge = len(f) > 3 and f[3] == "1"
            if purge:
                cur = ()
            steps = sd._stamp_revs(tuple(lst(f[1])), cur)
        hm = Recorder(cur)
        lines = []
        for st in steps:
            lines.append(step_text(st))
            hm.ops = []
            hm.update_to_step(st)
            lines.extend(hm.ops)
        for l in lines:
            print(l)
        print("rows" + "".join(" " + r for r in sorted(hm.heads)))
    elif cmd == "history":
        rng = None if f[1] == "-" else f[1]
        verbose = f[2] == "1"
        cfg = FakeConfig(out)
        indicate = len(f) > 3 and f[3] != "-"
        if indicate or (rng and "current" in rng):
            currents = tuple(lst(f[3])) if indicate else ()
            # command.history with indicate_current, without an env.py
            base, head = (rng.strip().split(":") if rng else (None, None))
            def display(base, head, currents):
                for sc in sd.walk_revisions(base=base or "base", head=head or "heads"):
                    if indicate:
                        sc._db_current_indicator = sc.revision in currents
                    cfg.print_stdout(sc.cmd_format(verbose=verbose, include_branches=True,
                                                   include_doc=True, include_parents=True))
            try:
                if head == "current":
                    display(base, currents, currents)
                elif base == "current":
                    display(currents, head, currents)
                else:
                    display(base, head, currents)
            finally:
                for s in rm._revision_map.values():
                    if s is not None:
                        s._db_current_indicator = None
        else:
            command.history(cfg, rng, verbose=verbose)
    elif cmd == "heads_fmt":
        command.heads(FakeConfig(out), verbose=f[1] == "1")
    elif cmd == "branches_fmt":
        command.branches(FakeConfig(out), verbose=f[1] == "1")
    elif cmd == "current_fmt":
        cfg = FakeConfig(out)
        if f[1] == "1":
            cfg.print_stdout("Current revision(s) for %s:", "")
        revs = sd.get_all_current(tuple(lst(f[2])))
        for r in sorted(revs, key=lambda r: r.revision):
            cfg.print_stdout(r.cmd_format(f[1] == "1"))
    elif cmd == "show":
        command.show(FakeConfig(out), f[1])
    else:
        print("unknown command %s" % cmd)


if __name__ == "__main__":
    main()
