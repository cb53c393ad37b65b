#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/odbc/alembic-offline.sh OUTDIR - write Alembic's offline (--sql)
# output for a fixed two-revision project, for each flavour the odbc
# plugin speaks, into OUTDIR/<flavour>-upgrade.sql and
# OUTDIR/<flavour>-downgrade.sql.  Needs Debian's python3-alembic (run as
# /usr/bin/python3 -m alembic; offline mode loads no database driver).
#
# The golden files in tests/odbc/golden/ were made with this script;
# tests/odbc/alembic.sh runs it again and compares, so the golden files
# cannot drift from what Alembic really writes.
set -eu
out=${1:?usage: alembic-offline.sh OUTDIR}
PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/retort-alembic.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/proj/versions" "$out"

cp "$(cd "$(dirname "$0")/.." && pwd)/fixtures/alembic-offline.ini" "$work/alembic.ini"

cat >"$work/proj/env.py" <<'PYEOF'
from alembic import context
config = context.config
context.configure(url=config.get_main_option("sqlalchemy.url"),
                  literal_binds=True, dialect_opts={"paramstyle": "named"})
with context.begin_transaction():
    context.run_migrations()
PYEOF

cat >"$work/proj/script.py.mako" <<'MAKO'
MAKO

cat >"$work/proj/versions/aaaaaaaaaaaa_one.py" <<'PYEOF'
from alembic import op
revision = 'aaaaaaaaaaaa'
down_revision = None
branch_labels = None
depends_on = None
def upgrade():
    op.execute("CREATE TABLE t (id INTEGER)")
    op.execute("INSERT INTO t VALUES ('it''s')")
def downgrade():
    op.execute("DROP TABLE t")
PYEOF

cat >"$work/proj/versions/bbbbbbbbbbbb_two.py" <<'PYEOF'
from alembic import op
revision = 'bbbbbbbbbbbb'
down_revision = 'aaaaaaaaaaaa'
branch_labels = None
depends_on = None
def upgrade():
    op.execute("CREATE TABLE u (id INTEGER)")
def downgrade():
    op.execute("DROP TABLE u")
PYEOF

for fl in mssql oracle postgresql mysql sqlite; do
	sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = $fl://|" "$work/alembic.ini"
	(cd "$work" && "$PY" -m alembic -c alembic.ini upgrade head --sql) >"$out/$fl-upgrade.sql"
	(cd "$work" && "$PY" -m alembic -c alembic.ini downgrade head:base --sql) >"$out/$fl-downgrade.sql"
done
