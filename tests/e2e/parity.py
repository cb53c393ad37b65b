# SPDX-License-Identifier: MIT
"""tests/e2e/parity.py - hold README's "Coming from Alembic" table to both
tools (issue 13).

    parity.py README RETORT

Reads the table under "## Coming from Alembic" in README, takes Debian's
Alembic's commands and each command's options from the text `alembic
[COMMAND] --help` prints (formatted by Alembic's own argparse parser, in
this interpreter), and asks RETORT for `retort help COMMAND`.  Prints one line per check, "PASS desc" or "FAIL
desc", for tests/e2e/parity.sh to turn into TAP:

  - every Alembic command has a row, and every option of every command
    (and every global option) a row of its command;
  - a row that names a retort equivalent names a retort command that
    `retort help` knows, with each named option in its help, and the
    command also answers to Alembic's spelling (list_templates);
  - a row with no equivalent ("none") gives its reason.
"""
import re
import subprocess
import sys

HEADING = "## Coming from Alembic"


def alembic_help(*args):
    """The text of `alembic [CMD] --help`, from Alembic's own argparse
    parser in this process (the same text, without a Python start-up per
    command)."""
    import argparse
    from alembic.config import CommandLine
    parser = CommandLine(prog="alembic").parser
    if not args:
        return parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and args[0] in action.choices:
            return action.choices[args[0]].format_help()
    raise SystemExit("FAIL alembic has no command %s" % args[0])


def options_of(helptext):
    """The option strings of an argparse help text ("-r", "--rev-range")."""
    opts = set()
    for line in helptext.splitlines():
        m = re.match(r"^  (-\S.*?)(?:\s{2,}|$)", line)
        if not m:
            continue
        for piece in m.group(1).split(", "):
            word = piece.split()[0]
            if word.startswith("-"):
                opts.add(word)
    return opts


def commands_of(helptext):
    m = re.search(r"\{([a-z_,]+)\}", helptext)
    if not m:
        raise SystemExit("FAIL cannot find the command list in alembic --help")
    return m.group(1).split(",")


def read_table(path):
    rows = []
    on = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(HEADING):
                on = True
                continue
            if on and line.startswith("## "):
                break
            if not on or not line.startswith("|") or line.startswith("|---"):
                continue
            cols = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cols) != 4 or cols[0] == "Alembic command":
                continue
            rows.append(cols)
    return rows


def ticked(text):
    return re.findall(r"`([^`]+)`", text)


def main():
    readme, retort = sys.argv[1], sys.argv[2]
    rows = read_table(readme)
    if not rows:
        print("FAIL README has the parity table under %r" % HEADING)
        return
    print("PASS README has the parity table (%d rows)" % len(rows))

    # (command, option) -> row; option "" for the command itself.
    listed = {}
    for cols in rows:
        cmd = cols[0].strip("`")
        opts = ticked(cols[1])
        for o in opts or [""]:
            listed[(cmd, o)] = cols

    top = alembic_help()
    commands = commands_of(top)
    wanted = [("(global)", o) for o in sorted(options_of(top))]
    for c in commands:
        wanted.append((c, ""))
        for o in sorted(options_of(alembic_help(c)) - {"-h", "--help"}):
            wanted.append((c, o))
    missing = [w for w in wanted if w not in listed]
    for c, o in missing:
        print("FAIL the table lists Alembic's %s%s" % (c, (" " + o) if o else ""))
    if not missing:
        print("PASS the table lists all %d Alembic commands and their %d options"
              % (len(commands), len(wanted) - len(commands)))

    helps = {}

    def retort_help(cmd):
        if cmd not in helps:
            args = [retort, "--help"] if cmd is None else [retort, "help", cmd]
            r = subprocess.run(args, capture_output=True, text=True)
            helps[cmd] = (r.returncode, r.stdout + r.stderr)
        return helps[cmd]

    bad = 0
    seen = set()
    for cols in rows:
        key = tuple(cols)
        if key in seen:
            continue
        seen.add(key)
        acmd = cols[0].strip("`")
        retort_side = ticked(cols[2])
        what = "%s %s" % (acmd, " ".join(ticked(cols[1]))) if cols[1] else acmd
        if cols[2] == "none":
            if len(cols[3]) < 20:
                print("FAIL %s: 'none' without its reason" % what)
                bad += 1
            continue
        if not retort_side:
            print("FAIL %s: the retort column names nothing" % what)
            bad += 1
            continue
        if not cols[1]:
            # A command row: retort knows the command under its name and
            # under Alembic's spelling.
            for name in {retort_side[0], acmd}:
                rc, out = retort_help(name)
                if rc != 0 or "usage: retort " not in out:
                    print("FAIL %s: retort help %s exits %d" % (what, name, rc))
                    bad += 1
            continue
        rcmd = None if acmd == "(global)" else \
            ticked(next(r[2] for r in rows if r[0] == cols[0] and not r[1]))[0]
        rc, out = retort_help(rcmd)
        have = options_of(out)
        for o in retort_side:
            if o not in have:
                print("FAIL %s: `%s` is not an option of retort help %s"
                      % (what, o, rcmd or ""))
                bad += 1
    if not bad:
        print("PASS every retort equivalent the table names is in retort's help")


if __name__ == "__main__":
    main()
