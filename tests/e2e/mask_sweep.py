#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/e2e/mask_sweep.py - the passwords of the masking sweep and the check
# of what retort printed with them (tests/e2e/mask_sweep.inc).
#
#   mask_sweep.py passwords SEED [quick]
#                                  one line per password (quick: a few of
#                                  them, for sanitizer builds):
#                                  INDEX<TAB>PASSWORD<TAB>PERCENT-ENCODED
#                                  (index 0: a sentinel, each path's baseline)
#   mask_sweep.py check DIR        read DIR/passwords and DIR/manifest (lines
#                                  INDEX<TAB>PATH<TAB>STATUS<TAB>WANTED) and
#                                  DIR/INDEX.PATH.out/.err; print one line per
#                                  path: "ok<TAB>PATH<TAB>N" or
#                                  "fail<TAB>PATH<TAB>what went wrong"
#   mask_sweep.py selftest         the check's control on made-up output
#
# The passwords: for each length 1..64 a random one (letters, digits and
# punctuation that URLs, shells and SQL literals all carry once the URL is
# percent-encoded), then adversarial ones that are words of the messages
# themselves ('e', 'postgres', '127', 'a b', ...).
#
# What counts as shown (the masking policy of core/mask.c): the password
# standing as a whole token (no letter, digit or '_' touching an end that is
# one), its percent-encoded form, and for random passwords of 6 or more
# characters (and the sentinel) any occurrence at all.  A password that
# starts and ends with a letter or digit must also leave no "***" glued to a
# word ("conn***ct"): the policy masks tokens, never pieces of words.
#
# A short password may equal a word retort prints around the message
# ("statement 1 (line 6)"): an occurrence counts only where the output
# differs from the same path's run with the sentinel password (durations
# set aside), i.e. where the password could have come from.
import difflib
import random
import re
import sys
import urllib.parse

# Words of the messages, and of what retort prints around them.
ADVERSARIAL = ["e", "postgres", "127", "a b", "1", "localhost", "root", "YES", "connect",
               "failed", "error", "retort", "password", "p@ss", "ab:cd", "x/y", "100%"]
PUNCT = "-_.~!@:/%+,=?#&"
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


SENTINEL = "Sentinel-Pw-0"


def passwords(seed):
    rnd = random.Random(seed)
    out = [(SENTINEL, True)]
    for n in range(1, 65):
        chars = [rnd.choice(ALNUM + PUNCT) for _ in range(n)]
        # letters or digits at both ends for half of them, so that the
        # "no piece of a word" check runs on random ones too
        if n % 2 == 0:
            chars[0] = rnd.choice(ALNUM)
            chars[-1] = rnd.choice(ALNUM)
        out.append(("".join(chars), True))
    for p in ADVERSARIAL:
        out.append((p, False))
    return out


def word(c):
    return c.isalnum() or c == "_" or ord(c) >= 0x80


DURATION = re.compile(r"(<0\.1|[0-9]+(\.[0-9]+)?) (ms|s)\b|[0-9]+ min [0-9]+ s")


def normal(text):
    return DURATION.sub("DUR", text)


def unlike(text, base):
    """The spans of text that differ from base (char-level alignment)."""
    m = difflib.SequenceMatcher(None, base, text, autojunk=False)
    return [(j1, j2) for tag, _, _, j1, j2 in m.get_opcodes() if tag != "equal"]


def within(spans, i, j):
    """Does [i, j) overlap a differing span (or an insertion point in it)?"""
    return any(a < j and i < b or (a == b and i <= a <= j) for a, b in spans)


def token_at(text, p, i):
    before = text[i - 1] if i > 0 else " "
    j = i + len(p)
    after = text[j] if j < len(text) else " "
    return not (word(p[0]) and word(before)) and not (word(p[-1]) and word(after))


def shown_as_token(text, p, spans):
    i = text.find(p)
    while i >= 0:
        if token_at(text, p, i) and within(spans, i, i + len(p)):
            return True
        i = text.find(p, i + 1)
    return False


GLUED = re.compile(r"[A-Za-z0-9_]\*\*\*|\*\*\*[A-Za-z0-9_]")


def glued(text, spans):
    for m in GLUED.finditer(text):
        if within(spans, m.start(), m.end()):
            return m.group(0)
    return None


def output(d, i, path):
    text = ""
    for ext in ("out", "err"):
        with open("%s/%s.%s.%s" % (d, i, path, ext), encoding="utf-8", errors="replace") as f:
            text += f.read()
    return normal(text)


def check(d):
    pw = {}
    with open(d + "/passwords", encoding="utf-8") as f:
        for line in f:
            i, p, e = line.rstrip("\n").split("\t")
            pw[i] = (p, e)
    strict = {i for i, (p, e) in pw.items() if int(i) <= 64}  # random, and the sentinel
    runs = {}
    with open(d + "/manifest", encoding="utf-8") as f:
        for line in f:
            i, path, rc, want = line.rstrip("\n").split("\t")
            runs.setdefault(path, []).append((i, int(rc), int(want)))
    for path, rs in runs.items():
        bad = []
        base = output(d, "0", path) if any(i == "0" for i, _, _ in rs) else ""
        for i, rc, want in rs:
            p, e = pw[i]
            text = output(d, i, path)
            spans = unlike(text, base) if i != "0" else [(0, len(text))]
            what = None
            if rc != want:
                what = "exit %d, wanted %d" % (rc, want)
            elif shown_as_token(text, p, spans):
                what = "shown as a token"
            elif i in strict and len(p) >= 6 and p in text:
                what = "shown"
            elif e != p and len(e) >= 3 and e in text:
                what = "shown percent-encoded"
            elif word(p[0]) and word(p[-1]) and glued(text, spans):
                what = "a word broken by the mask: " + glued(text, spans)
            if what:
                first = text.strip().splitlines()[:2]
                bad.append("password %r (#%s): %s: %s" % (p, i, what, " | ".join(first)))
        if bad:
            print("fail\t%s\t%d of %d runs: %s" % (path, len(bad), len(rs), bad[0]))
        else:
            print("ok\t%s\t%d" % (path, len(rs)))


def selftest():
    """The check's control: it catches what it must and spares framing."""
    base = "retort: error: cannot connect to x://u:***@h/db: statement 1 (line 6) 3 ms\n"
    cases = [
        ("e", "retort: error: cannot conn***ct to x://u:***@h/db: statement 1 (line 6) 3 ms\n",
         "glued"),
        ("hunter2", "retort: error: cannot connect to x://u:hunter2@h/db: statement 1 (line 6)"
         " 3 ms\n", "token"),
        ("1", base.replace("u:***", "u:1"), "token"),
        ("1", base, None),                 # "statement 1" is retort's own
        ("6", base.replace("3 ms", "6 ms"), None),   # a duration
        ("error", base, None),             # "retort: error:"
    ]
    for p, text, want in cases:
        text = normal(text)
        spans = unlike(text, normal(base))
        got = "token" if shown_as_token(text, p, spans) else "glued" if glued(text, spans) else None
        if got != want:
            print("# control %r in %r: %s, wanted %s" % (p, text, got, want))
            sys.exit(1)


# The quick sweep: the sentinel, lengths 1, 2, 8 and 64, and four words.
QUICK = {0, 1, 2, 8, 64, 65, 66, 67, 68}


def main():
    if sys.argv[1] == "selftest":
        selftest()
    elif sys.argv[1] == "passwords":
        quick = len(sys.argv) > 3 and sys.argv[3] == "quick"
        for n, (p, _) in enumerate(passwords(int(sys.argv[2]))):
            if not quick or n in QUICK:
                print("%d\t%s\t%s" % (n, p, urllib.parse.quote(p, safe="")))
    else:
        check(sys.argv[2])


main()
