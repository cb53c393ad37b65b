#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/mkproject.py DIR N [--alembic] [--url URL]

Write a retort project in DIR (retort.cfg, migrations/versions) holding a
linear chain of N revisions named as `retort revision` names them
(12-hex-digit ids, "<id>_step_<i>.sql"), each creating a small table and
inserting one row (SQL that SQLite and PostgreSQL both run: the id is
given, not left to SQLite's rowid).  retort.cfg is private (0600), as a
URL holding a password requires.  With --alembic, also write the same chain as an
Alembic project (DIR/alembic.ini, DIR/alembic) on its own SQLite file.
"""
import os
import random
import sys

args = sys.argv[1:]
alembic = "--alembic" in args
url = "sqlite:///bench.db"
if "--url" in args:
    url = args[args.index("--url") + 1]
    del args[args.index("--url"):args.index("--url") + 2]
args = [a for a in args if a != "--alembic"]
d, n = args[0], int(args[1])
rnd = random.Random(n)
ids = []
seen = set()
while len(ids) < n:
    i = "%012x" % rnd.getrandbits(48)
    if i not in seen:
        seen.add(i)
        ids.append(i)

os.makedirs(f"{d}/migrations/versions", exist_ok=True)
with open(f"{d}/retort.cfg", "w") as f:
    f.write(f'script_location = "migrations";\nurl = "{url}";\n')
os.chmod(f"{d}/retort.cfg", 0o600)
with open(f"{d}/migrations/script.sql.tmpl", "w") as f:
    f.write("-- Revision ID: ${up_revision}\n-- Revises: ${down_revision}\n"
            "-- retort:upgrade\n-- retort:downgrade\n")
for i, rid in enumerate(ids):
    down = ids[i - 1] if i else ""
    with open(f"{d}/migrations/versions/{rid}_step_{i}.sql", "w") as f:
        f.write(f"-- Message: step {i}\n-- Revision ID: {rid}\n-- Revises: {down}\n"
                f"-- Create Date: 2026-01-01 00:00:00.000000\n-- Branch Labels:\n"
                f"-- Depends On:\n\n"
                f"-- retort:upgrade\nCREATE TABLE t_{rid} (id INTEGER PRIMARY KEY, v TEXT);\n"
                f"INSERT INTO t_{rid} (id, v) VALUES (1, 'x');\n\n"
                f"-- retort:downgrade\nDROP TABLE t_{rid};\n")

if alembic:
    a = f"{d}/alembic"
    os.makedirs(f"{a}/versions", exist_ok=True)
    with open(f"{d}/alembic.ini", "w") as f:
        f.write(f"[alembic]\nscript_location = {a}\nsqlalchemy.url = sqlite:///{d}/alembic.db\n")
    with open(f"{a}/env.py", "w") as f:
        f.write("""from alembic import context
from sqlalchemy import engine_from_config, pool
config = context.config
if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
""")
    with open(f"{a}/script.py.mako", "w") as f:
        f.write("")
    for i, rid in enumerate(ids):
        down = repr(ids[i - 1]) if i else "None"
        with open(f"{a}/versions/{rid}_step_{i}.py", "w") as f:
            f.write(f'"""step {i}"""\nfrom alembic import op\nrevision = {rid!r}\n'
                    f"down_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n"
                    f"def upgrade():\n"
                    f"    op.execute(\"CREATE TABLE t_{rid} (id INTEGER PRIMARY KEY, v TEXT)\")\n"
                    f"    op.execute(\"INSERT INTO t_{rid} (id, v) VALUES (1, 'x')\")\n\n"
                    f"def downgrade():\n    op.execute(\"DROP TABLE t_{rid}\")\n")
