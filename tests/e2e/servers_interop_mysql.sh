#!/bin/sh
# SPDX-License-Identifier: MIT
# Interop with Alembic on MariaDB: one database, one revision graph (a
# branch and a merge) written both as Alembic scripts and as retort
# scripts, and the two tools taking turns on it through pymysql and the
# mysql plugin.  After every step both tools must agree on the version rows,
# which must be the rows Alembic itself would have written.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_MYSQL_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_MYSQL_URL is not set: the MariaDB test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_MYSQL_URL not set (run tests/servers.sh start)"; exit 0
fi
PY=/usr/bin/python3
if ! "$PY" -c 'import alembic, pymysql' >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - python3-alembic and python3-pymysql are needed"; exit 1; fi
	echo "1..0 # SKIP python3-alembic / python3-pymysql not installed"; exit 0
fi
. "$top_srcdir/tests/lib.sh"

db=retort_ia_$$
URL=$(echo "$RETORT_TEST_MYSQL_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$db\1|")
AURL=$(echo "$URL" | sed 's|^mysql://|mysql+pymysql://|')
margs() {
	"$PY" - "$1" <<'PY'
import sys, urllib.parse as u
p = u.urlparse(sys.argv[1])
a = ["-h", p.hostname or "127.0.0.1", "-P", str(p.port or 3306), "-u", u.unquote(p.username or "root")]
if p.password: a.append("-p" + u.unquote(p.password))
a.append(p.path.lstrip("/"))
print(" ".join(a))
PY
}
CLIENT=$(command -v mariadb || command -v mysql)
q() { "$CLIENT" --no-defaults $(margs "$URL") -N -B -e "$1"; }
"$CLIENT" --no-defaults $(margs "$RETORT_TEST_MYSQL_URL") -e "CREATE DATABASE $db" ||
	{ echo "Bail out! cannot create database $db"; exit 1; }
CLEANUP="\"$CLIENT\" --no-defaults $(margs "$RETORT_TEST_MYSQL_URL") -e 'DROP DATABASE IF EXISTS $db' >/dev/null 2>&1"

new_project "$URL"
chmod 600 retort.cfg
# The graph: a1 <- a2, a1 <- a3 (label side), merge a4 of a2 and a3.
rscript() { # ID REVISES TABLE [LABEL]
	script "$1" "$2" "CREATE TABLE $3 (id INTEGER PRIMARY KEY);" "DROP TABLE $3;" \
		"${4:+-- Branch Labels: $4}"
}
rscript aaaa00000001 "" ia1
rscript aaaa00000002 aaaa00000001 ia2
rscript aaaa00000003 aaaa00000001 ia3 side
rscript aaaa00000004 "aaaa00000002, aaaa00000003" ia4

mkdir -p al && (cd al && "$PY" -m alembic init -t generic env >/dev/null 2>&1) ||
	{ echo "Bail out! alembic init failed"; exit 1; }
sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = $(echo "$AURL" | sed 's/%/%%/g')|" al/alembic.ini
chmod 600 al/alembic.ini
ascript() { # ID DOWN TABLE LABEL
	cat >"al/env/versions/$1.py" <<EOF
from alembic import op
revision = '$1'
down_revision = $2
branch_labels = $4
depends_on = None
def upgrade():
    op.execute("CREATE TABLE $3 (id INTEGER PRIMARY KEY)")
def downgrade():
    op.execute("DROP TABLE $3")
EOF
}
ascript aaaa00000001 None ia1 None
ascript aaaa00000002 "'aaaa00000001'" ia2 None
ascript aaaa00000003 "'aaaa00000001'" ia3 "('side',)"
ascript aaaa00000004 "('aaaa00000002', 'aaaa00000003')" ia4 None

alembic() { (cd al && "$PY" -m alembic "$@") >"$T/aout" 2>&1; arc=$?; }
rows() { q "SELECT version_num FROM alembic_version ORDER BY 1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
# agree DESC WANT: the table, retort's `current` and Alembic's `current`
# all show WANT.
agree() {
	same "$1: version rows" "$(rows)" "$2"
	rt current
	got=$(grep -o 'aaaa0000000[0-9]' "$T/out" | sort | tr '\n' ' ' | sed 's/ $//')
	same "$1: retort current" "$got" "$2"
	alembic current
	got=$(grep -o 'aaaa0000000[0-9]' "$T/aout" | sort | tr '\n' ' ' | sed 's/ $//')
	same "$1: alembic current" "$got" "$2"
}

# Alembic creates the table and starts; retort carries on through the merge.
alembic upgrade aaaa00000002
same "alembic upgrade aaaa00000002" "$arc" 0
agree "after alembic" "aaaa00000002"
expect "retort upgrade head (through the merge)" 0 upgrade head
agree "after retort" "aaaa00000004"
same "every table exists" "$(q "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'ia%'")" "4"
# (Each expected result below is what Alembic itself does from there.)
alembic downgrade aaaa00000003
same "alembic unmerges" "$arc" 0
agree "after alembic unmerge" "aaaa00000002 aaaa00000003"
expect "retort downgrade side@-1" 0 downgrade side@-1
agree "after retort downgrade of a branch" "aaaa00000002"
alembic upgrade heads
same "alembic upgrade heads" "$arc" 0
agree "after alembic upgrade heads" "aaaa00000004"
expect "retort downgrade side@base" 0 downgrade side@base
agree "empty" ""

# retort creates the table; Alembic carries on.
q "DROP TABLE alembic_version"
expect "retort upgrade aaaa00000001 creates the table" 0 upgrade aaaa00000001
alembic upgrade heads
same "alembic upgrade heads on retort's table" "$arc" 0
agree "alembic on retort's table" "aaaa00000004"
same "retort's table is Alembic's" "$(q "SELECT CONCAT(COLUMN_TYPE, ' ', IS_NULLABLE, ' ', COLUMN_KEY) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'alembic_version'")" "varchar(32) NO PRI"
expect "retort downgrade base" 0 downgrade base
agree "both at base" ""
tap_done
