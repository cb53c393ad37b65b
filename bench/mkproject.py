#!/usr/bin/python3
"""bench/mkproject.py DIR N: write the same linear chain of N revisions as a
retort project (DIR/retort) and an Alembic project (DIR/alembic), each
revision creating and dropping one small table, both on SQLite files."""
import os
import sys

d, n = sys.argv[1], int(sys.argv[2])
ids = ["r%05d" % i for i in range(n)]

os.makedirs(f"{d}/retort/migrations/versions", exist_ok=True)
with open(f"{d}/retort/retort.cfg", "w") as f:
    f.write('script_location = "migrations";\nurl = "sqlite:///bench.db";\n')
with open(f"{d}/retort/migrations/script.sql.tmpl", "w") as f:
    f.write("-- Revision ID: ${up_revision}\n-- Revises: ${down_revision}\n-- retort:upgrade\n-- retort:downgrade\n")
for i, rid in enumerate(ids):
    down = ids[i - 1] if i else ""
    with open(f"{d}/retort/migrations/versions/{rid}.sql", "w") as f:
        f.write(f"-- Message: step {i}\n-- Revision ID: {rid}\n-- Revises: {down}\n\n"
                f"-- retort:upgrade\nCREATE TABLE t_{rid} (id INTEGER PRIMARY KEY, v TEXT);\n"
                f"INSERT INTO t_{rid} (v) VALUES ('x');\n\n"
                f"-- retort:downgrade\nDROP TABLE t_{rid};\n")

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
    with open(f"{a}/versions/{rid}.py", "w") as f:
        f.write(f'"""step {i}"""\nfrom alembic import op\nrevision = {rid!r}\ndown_revision = {down}\n'
                f"branch_labels = None\ndepends_on = None\n\n"
                f"def upgrade():\n    op.execute(\"CREATE TABLE t_{rid} (id INTEGER PRIMARY KEY, v TEXT)\")\n"
                f"    op.execute(\"INSERT INTO t_{rid} (v) VALUES ('x')\")\n\n"
                f"def downgrade():\n    op.execute(\"DROP TABLE t_{rid}\")\n")
