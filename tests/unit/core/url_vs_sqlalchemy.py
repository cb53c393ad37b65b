#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test: retort's URL parser (through url_dump) against
SQLAlchemy's make_url() on fixed and randomly assembled URLs.  TAP output.

Where both parse, every component must agree (SQLAlchemy 1.4 leaves host and
database percent-encoded; retort decodes every component, so SQLAlchemy's
are unquoted before comparing).  Where SQLAlchemy parses and retort refuses,
the refusal must be one of retort's documented stricter rules (bad port,
bad or NUL %-escape, '@' left in the host, query item without '=' or name,
malformed IPv6 brackets, empty scheme parts).  Where retort parses and
SQLAlchemy refuses, that is a failure.  Passwords never show in retort's
masked form or error messages.
"""
import random
import subprocess
import sys
import urllib.parse

from sqlalchemy.engine.url import make_url

DUMP = sys.argv[1]
N_RANDOM = int(sys.argv[2]) if len(sys.argv) > 2 else 3000

STRICTER = ["1 to 65535", "empty port", "percent-escape", "'@' in the host",
            "no '='", "empty name", "IPv6", "closing ']'", "scheme"]

FIXED = [
    "postgresql://app:secret@localhost:5432/appdb?sslmode=require",
    "sqlite:///relative/path.db", "sqlite:////absolute/path.db", "sqlite://",
    "sqlite:///:memory:", "mysql://app@127.0.0.1/appdb", "mariadb://h/db",
    "mssql+odbc://user:pw@MyDsn", "oracle+odbc://user:pw@OraDsn",
    "odbc://?dsn=MyDsn", "odbc://?driver=SQLite3&database=/tmp/x.db",
    "postgresql://u:a/b?c:d@h/db", "postgresql://[::1]:5432/db",
    "mysql://a@b@c/db", "postgresql://u%40x:p%40w@h/d", "postgresql://:pw@h/db",
    "mssql+odbc://u@h/db?driver=ODBC+Driver+18+for+SQL+Server",
]


def gen(rng):
    scheme = rng.choice(["postgresql", "mysql", "sqlite", "odbc", "mssql+odbc",
                         "oracle+cx_oracle", "pg_x"])
    user = rng.choice([None, "", "app", "a@b", "us%40er", "u+x", "u.x", "u!x", "u%zz"])
    pw = rng.choice([None, "", "pw", "p@ss", "p:w", "p/w", "p?w", "p%40w", "p%zz", "p#w",
                     "pa ss", "p%2Fw", "p&w=x", "p%00w", "p]w"])
    host = rng.choice(["", "localhost", "db.example", "[::1]", "[fe80::1%25eth0]", "h%2Dx",
                       "MyDsn", "a_b", "[::1", "[zz]"])
    port = rng.choice([None, None, "5432", "1", "65535", "0", "65536", "", "x1"])
    db = rng.choice([None, "", "db", "/abs/path.db", "rel/x.db", ":memory:", "my%20db",
                     "d@b", "d:b", "d%zz"])
    query = rng.choice([None, None, "", "a=1", "a=1&b=2", "a=1&a=2", "driver=ODBC+Driver+18",
                        "k%3D=v%26", "x=", "flag", "=v", "a=%zz", "a=1&&b=2", "e=a@b"])
    url = scheme + "://"
    if pw is not None:
        url += (user or "") + ":" + pw + "@"
    elif user is not None:
        url += user + "@"
    url += host
    if port is not None:
        url += ":" + port
    if db is not None:
        url += "/" + db
    if query is not None:
        url += "?" + query
    return url, pw


def sa_parse(url):
    try:
        u = make_url(url)
        port = u.port
    except Exception as e:  # noqa: BLE001 - any refusal counts
        return ("ERR", str(e))
    scheme, _, driver = u.drivername.partition("+")
    q = []
    for k, v in u.query.items():
        q += [(k, x) for x in v] if isinstance(v, tuple) else [(k, v)]
    unq = urllib.parse.unquote
    return ("OK", scheme.lower(), driver.lower() or None, u.username or None, u.password,
            unq(u.host) if u.host else None, port or 0,
            unq(u.database) if u.database else None, sorted(q))


def field(x):
    if x == "-":
        return None
    if x == "=":
        return ""
    return bytes.fromhex(x).decode("utf-8", "surrogateescape")


def rt_parse_all(urls):
    data = "".join(u.encode().hex() + "\n" for u in urls)
    out = subprocess.run([DUMP], input=data, capture_output=True, text=True, check=True).stdout
    res = []
    for line in out.splitlines():
        parts = line.split(" ")
        if parts[0] == "ERR":
            res.append(("ERR", field(parts[1])))
            continue
        q = []
        if parts[8] != "-":
            for kv in parts[8].split("&"):
                k, _, v = kv.partition("=")
                q.append((bytes.fromhex(k).decode(), bytes.fromhex(v).decode()))
        res.append(("OK", field(parts[1]), field(parts[2]), field(parts[3]), field(parts[4]),
                    field(parts[5]), int(parts[6]), field(parts[7]) or None, sorted(q),
                    field(parts[9])))
    return res


def main():
    rng = random.Random(20261127)
    cases = [(u, None) for u in FIXED] + [gen(rng) for _ in range(N_RANDOM)]
    urls = [c[0] for c in cases]
    ours = rt_parse_all(urls)
    assert len(ours) == len(urls)
    agree = stricter = both_err = 0
    failures = []
    leaks = []
    reasons = {}
    for (url, pw), r in zip(cases, ours):
        s = sa_parse(url)
        if r[0] == "OK" and r[4] and len(r[4]) >= 2 and r[4] in r[9].split("@")[0].split("//", 1)[-1]:
            leaks.append((url, r[9]))
        if r[0] == "ERR" and pw and len(pw) >= 3 and pw in r[1]:
            leaks.append((url, r[1]))
        if s[0] == "OK" and r[0] == "OK":
            if tuple(s[1:]) != tuple(r[1:9]):
                failures.append("%s: SQLAlchemy %r, retort %r" % (url, s[1:], r[1:9]))
            else:
                agree += 1
        elif s[0] == "OK":
            why = [w for w in STRICTER if w in r[1]]
            if not why:
                failures.append("%s: SQLAlchemy accepts %r, retort refuses: %s" % (url, s[1:], r[1]))
            else:
                stricter += 1
                reasons[why[0]] = reasons.get(why[0], 0) + 1
        elif r[0] == "OK":
            failures.append("%s: retort accepts %r, SQLAlchemy refuses: %s" % (url, r[1:9], s[1]))
        else:
            both_err += 1
    print("1..3")
    print("# %d URLs: %d agree, %d refused only by retort's stricter rules %r, %d refused by both"
          % (len(urls), agree, stricter, reasons, both_err))
    if failures:
        print("not ok 1 - retort and SQLAlchemy agree on every URL both accept")
        for f in failures[:30]:
            print("#   " + f)
    else:
        print("ok 1 - retort and SQLAlchemy agree on every URL both accept")
    print(("ok" if agree > len(urls) // 6 else "not ok")
          + " 2 - a meaningful share of URLs parse in both (%d)" % agree)
    if leaks:
        print("not ok 3 - no password in retort's masked form or errors")
        for url, text in leaks[:20]:
            print("#   %s -> %s" % (url, text))
    else:
        print("ok 3 - no password in retort's masked form or errors")


main()
