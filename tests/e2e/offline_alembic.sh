#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: retort's offline (--sql) output against Alembic's, for every
# dialect (sqlite, postgresql, mysql, and mssql/oracle through the odbc
# plugin).
#
# The same graph is written twice, as an Alembic project (Python scripts
# doing op.execute of the SQL) and as a retort project (.sql scripts with the
# same statements and ids), and each command in COMMANDS runs through both
# tools:
#
#     a1base <- b2second <- c3left  <- e5merge <- f6nontx
#                        <- d4right <-
#
# f6nontx runs outside the transaction: `-- retort:transaction off` in
# retort, `with op.get_context().autocommit_block():` in Alembic (which
# writes COMMIT before it and BEGIN after it where DDL is transactional).
# Some commands also run on other pairs of projects: with
# transaction_per_migration on (names ending in "-tpm"), and with the
# version table named Deploy_Versions (a name SQLAlchemy quotes) in schema
# "ops" (names ending in "-vt").
#
# "xarg" and "xargdown" run on a one-revision project whose script takes
# its table name from -x: `context.get_x_argument()` in Alembic, ${x:tenant}
# in retort.
#
# "ensure" and "ensure-vt" run `ensure_version --sql` (spelt as Alembic
# spells it); Alembic's trailing DROP TABLE is left out of the comparison,
# a difference the README documents.
#
# "sections" runs on a one-revision project whose script has a section for
# each dialect (`-- retort:upgrade mssql` ...) besides the generic one;
# Alembic's script executes the same SQL per dialect name.  The sections
# hold what each dialect's rendering must get right: an SQLite trigger, a
# PostgreSQL $$ function, SQL Server batches split at GO (one of them a
# procedure), Oracle PL/SQL blocks ended by "/".
#
# Per (dialect, command) four TAP lines:
#   exit     both tools succeed
#   version  the version table statements (CREATE TABLE of the version
#            table, INSERT/UPDATE/DELETE, DROP TABLE) are the same, in the same
#            order, after normalising whitespace
#   running  the "-- Running ..." comments are the same, in the same order
#   script   the whole script is the same after normalising whitespace (the
#            script bodies are the same SQL in both projects, so this also
#            covers BEGIN/COMMIT, GO, "/" and statement terminators)
#
# SQLite: Alembic's SQLite implementation claims no transactional DDL and so
# writes no BEGIN/COMMIT; neither does retort (host->offline_sql, for the
# sqlite and odbc plugins alike), though it runs SQLite transactionally
# online.  Alembic runs with its stock configuration for every dialect.
#
# Needs Debian's python3-alembic (/usr/bin/python3 -m alembic); offline mode
# loads no DBAPI driver, so plain dialect URLs (mssql://, oracle://) work.
# Without Alembic every case is skipped, and fails when CI=true.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}
HELPERS="$top_srcdir/tests/offline"

# name | Alembic URL | retort URL (never connected to) | plugin module
DIALECTS='sqlite|sqlite://|sqlite:///never.db|sqlite
postgresql|postgresql://|postgresql://u@localhost/db|postgresql
mysql|mysql://|mysql://u@localhost/db|mysql
mssql|mssql://|mssql+odbc://u:p@AnyDsn|odbc
oracle|oracle://|oracle+odbc://u:p@AnyDsn|odbc'

# name | arguments (the same for both tools); the "-tpm" and "-vt" variants
# run on the projects described above.
COMMANDS='up|upgrade head --sql
down|downgrade head:base --sql
uprange|upgrade b2second:head --sql
upbase|upgrade base:b2second --sql
uprel|upgrade a1base:+1 --sql
uppartial|upgrade b2s:heads --sql
downpart|downgrade b2second:a1base --sql
downrange|downgrade f6nontx:b2second --sql
stamp|stamp head --sql
uptag|upgrade head --sql --tag release-1
ensure|ensure_version --sql
ensure-vt|ensure_version --sql
stamptwo|stamp c3left d4right --sql
stamprange|stamp b2second:head --sql
up-tpm|upgrade head --sql
down-tpm|downgrade head:base --sql
stamptwo-tpm|stamp c3left d4right --sql
up-vt|upgrade head --sql
down-vt|downgrade head:base --sql
stamp-vt|stamp b2second --sql
sections|upgrade head --sql
xarg|-x tenant=acme -x label=L upgrade head --sql
xargdown|-x tenant=acme downgrade x1xarg:base --sql'

ASPECTS="exit version running script"

# Known mismatches, reported and not yet fixed.  A case that differs from
# Alembic only by one of these is reported as "not ok ... # TODO" (an
# expected failure for the TAP driver) with the difference as a diagnostic,
# so that the suite stays usable while any other difference still fails:
#  1. the version table INSERT lacks SQLAlchemy's RETURNING (PostgreSQL)
#     and OUTPUT inserted.version_num (SQL Server);
#  2. the mysql plugin wraps every statement holding a ';' in DELIMITER,
#     even when the ';' is inside a string literal;
#  3. the mssql and oracle sections are never chosen: sections are matched
#     against the plugin's name ("odbc"), not the URL's dialect, so the
#     generic section runs.
# sqlchunks.py --known removes 1 and 2; 3 is recognised
# by the generic section's table (sect_generic) in retort's output.  Remove
# an entry here (and its handling below) once it is fixed.

# tap_todo DESC REASON: an expected failure.
tap_todo() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $1 # TODO $2"
}

# skip_all REASON: skip (or, under CI, fail) every case.
skip_all() {
	while IFS='|' read -r d _; do
		while IFS='|' read -r c _; do
			for a in $ASPECTS; do
				if [ "${CI:-}" = true ]; then
					tap_fail "$d $c $a: $1"
				else
					tap_skip "$d $c $a: $1"
				fi
			done
		done <<EOF
$COMMANDS
EOF
	done <<EOF
$DIALECTS
EOF
	tap_done
}

if ! "$PY" -c 'import alembic, sqlalchemy' 2>/dev/null; then
	skip_all "Alembic ($PY -m alembic, Debian's python3-alembic) is not installed"
fi

# ---------------------------------------------------------------- the graph

# id | parents (comma-separated, empty for a base).  Each upgrade creates
# t_<id> and inserts a literal holding a quote and a ';' (so that splitting
# and terminators are exercised); each downgrade drops t_<id>.
REVS='a1base|
b2second|a1base
c3left|b2second
d4right|b2second
e5merge|c3left,d4right
f6nontx|e5merge'

mkdir -p "$T/alembic/proj/versions"
cp "$top_srcdir/tests/fixtures/alembic-offline.ini" "$T/alembic/alembic.ini"
# The offline branch of the env.py that `alembic init` writes.
cat >"$T/alembic/proj/env.py" <<'PYEOF'
import os
from alembic import context
config = context.config
opts = {}
if os.environ.get("OFFLINE_TPM") == "true":
    opts["transaction_per_migration"] = True
if os.environ.get("OFFLINE_VT"):
    opts["version_table"] = os.environ["OFFLINE_VT"]
    opts["version_table_schema"] = os.environ["OFFLINE_VTS"]
context.configure(url=config.get_main_option("sqlalchemy.url"),
                  literal_binds=True, dialect_opts={"paramstyle": "named"},
                  **opts)
with context.begin_transaction():
    context.run_migrations()
PYEOF
: >"$T/alembic/proj/script.py.mako"

while IFS='|' read -r id parents; do
	case $parents in
	"") down=None ;;
	*,*) down="($(echo "$parents" | sed "s/\([^,]*\)/'\1'/g; s/,/, /g"))" ;;
	*) down="'$parents'" ;;
	esac
	if [ "$id" = f6nontx ]; then
		cat >"$T/alembic/proj/versions/${id}_rev.py" <<PYEOF
from alembic import op
revision = '$id'
down_revision = $down
branch_labels = None
depends_on = None
def upgrade():
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX i_$id ON t_a1base (v)")
def downgrade():
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX i_$id")
PYEOF
		continue
	fi
	cat >"$T/alembic/proj/versions/${id}_rev.py" <<PYEOF
from alembic import op
revision = '$id'
down_revision = $down
branch_labels = None
depends_on = None
def upgrade():
    op.execute("CREATE TABLE t_$id (id INTEGER, v VARCHAR(20))")
    op.execute("INSERT INTO t_$id VALUES (1, 'it''s; $id')")
def downgrade():
    op.execute("DROP TABLE t_$id")
PYEOF
done <<EOF
$REVS
EOF

# The sections project, for Alembic.
mkdir -p "$T/alembic/sect/versions"
sed 's/^script_location = proj$/script_location = sect/' "$T/alembic/alembic.ini" \
	>"$T/alembic/sections.ini"
cp "$T/alembic/proj/env.py" "$T/alembic/proj/script.py.mako" "$T/alembic/sect/"
cat >"$T/alembic/sect/versions/s1sections_rev.py" <<'PYEOF'
from alembic import op
revision = 's1sections'
down_revision = None
branch_labels = None
depends_on = None
SQL = {
    "sqlite": ["CREATE TABLE sect_sqlite (id INTEGER)",
               "CREATE TRIGGER sect_trg AFTER INSERT ON sect_sqlite\nBEGIN\n"
               "    DELETE FROM sect_sqlite WHERE id < 0;\nEND"],
    "postgresql": ["CREATE FUNCTION sect_f() RETURNS integer AS $$\n"
                   "    SELECT 1;\n$$ LANGUAGE sql"],
    "mysql": ["CREATE TABLE sect_mysql (id INTEGER) ENGINE=InnoDB"],
    "mssql": ["CREATE TABLE sect_mssql (id INT);\nINSERT INTO sect_mssql VALUES (1)",
              "CREATE PROCEDURE sect_p AS\nBEGIN\n    SELECT 1;\nEND"],
    "oracle": ["CREATE TABLE sect_oracle (id INTEGER)",
               "BEGIN\n    INSERT INTO sect_oracle VALUES (1);\nEND;",
               "CREATE OR REPLACE PROCEDURE sect_p AS\nBEGIN\n    NULL;\nEND;"],
}
def upgrade():
    for sql in SQL[op.get_context().dialect.name]:
        op.execute(sql)
def downgrade():
    op.execute("DROP TABLE sect_generic")
PYEOF

# sections_project DIR URL: the sections project, for retort.
sections_project() {
	mkdir -p "$1/migrations/versions"
	# offline_history = false: only what Alembic renders, to compare
	printf 'script_location = "migrations";\nurl = "%s";\noffline_history = false;\n' "$2" \
		>"$1/retort.cfg"
	chmod 600 "$1/retort.cfg"  # the odbc URLs hold a (dummy) password
	cat >"$1/migrations/versions/s1sections_rev.sql" <<'EOF'
-- Message: sections
-- Revision ID: s1sections
-- Revises:

-- retort:upgrade
CREATE TABLE sect_generic (id INTEGER);

-- retort:upgrade sqlite
CREATE TABLE sect_sqlite (id INTEGER);
CREATE TRIGGER sect_trg AFTER INSERT ON sect_sqlite
BEGIN
    DELETE FROM sect_sqlite WHERE id < 0;
END;

-- retort:upgrade postgresql
CREATE FUNCTION sect_f() RETURNS integer AS $$
    SELECT 1;
$$ LANGUAGE sql;

-- retort:upgrade mysql
CREATE TABLE sect_mysql (id INTEGER) ENGINE=InnoDB;

-- retort:upgrade mssql
CREATE TABLE sect_mssql (id INT);
INSERT INTO sect_mssql VALUES (1);
GO
CREATE PROCEDURE sect_p AS
BEGIN
    SELECT 1;
END;
GO

-- retort:upgrade oracle
CREATE TABLE sect_oracle (id INTEGER);
BEGIN
    INSERT INTO sect_oracle VALUES (1);
END;
/
CREATE OR REPLACE PROCEDURE sect_p AS
BEGIN
    NULL;
END;
/

-- retort:downgrade
DROP TABLE sect_generic;
EOF
}

# retort_project DIR URL DIALECT [VARIANT]: the same graph as a retort
# project, with the configuration of VARIANT (tpm, vt).  SQL Server scripts
# are split into batches at GO (';' does not split there), so each
# statement gets a batch of its own, as each op.execute() does.
retort_project() {
	mkdir -p "$1/migrations/versions"
	# offline_history = false: only what Alembic renders, to compare
	printf 'script_location = "migrations";\nurl = "%s";\noffline_history = false;\n' "$2" \
		>"$1/retort.cfg"
	chmod 600 "$1/retort.cfg"  # the odbc URLs hold a (dummy) password
	case ${4:-} in
	tpm) echo 'transaction_per_migration = true;' >>"$1/retort.cfg" ;;
	vt) printf 'version_table = "Deploy_Versions";\nversion_table_schema = "ops";\n' \
		>>"$1/retort.cfg" ;;
	esac
	if [ "$3" = mssql ]; then
		sep='
GO'
	else
		sep=''
	fi
	while IFS='|' read -r id parents; do
		if [ "$id" = f6nontx ]; then
			{
				echo "-- Message: rev"
				echo "-- Revision ID: $id"
				echo "-- Revises: $parents"
				echo "-- retort:transaction off"
				echo
				echo "-- retort:upgrade"
				echo "CREATE INDEX i_$id ON t_a1base (v);$sep"
				echo
				echo "-- retort:downgrade"
				echo "DROP INDEX i_$id;$sep"
			} >"$1/migrations/versions/${id}_rev.sql"
			continue
		fi
		{
			echo "-- Message: rev"
			echo "-- Revision ID: $id"
			echo "-- Revises: $(echo "$parents" | sed 's/,/, /g')"
			echo
			echo "-- retort:upgrade"
			echo "CREATE TABLE t_$id (id INTEGER, v VARCHAR(20));$sep"
			echo "INSERT INTO t_$id VALUES (1, 'it''s; $id');$sep"
			echo
			echo "-- retort:downgrade"
			echo "DROP TABLE t_$id;$sep"
		} >"$1/migrations/versions/${id}_rev.sql"
	done <<EOF
$REVS
EOF
}

# The -x project (issue 13): Alembic's script reads the values through
# context.get_x_argument(), retort's as ${x:key} (label with a default).
mkdir -p "$T/alembic/xarg/versions"
sed 's/^script_location = proj$/script_location = xarg/' "$T/alembic/alembic.ini" \
	>"$T/alembic/xarg.ini"
cp "$T/alembic/proj/env.py" "$T/alembic/proj/script.py.mako" "$T/alembic/xarg/"
cat >"$T/alembic/xarg/versions/x1xarg_rev.py" <<'PYEOF'
from alembic import context, op
revision = 'x1xarg'
down_revision = None
branch_labels = None
depends_on = None
def upgrade():
    x = context.get_x_argument(as_dictionary=True)
    op.execute("CREATE TABLE t_%s (id INTEGER, v VARCHAR(20))" % x["tenant"])
    op.execute("INSERT INTO t_%s VALUES (1, '%s')" % (x["tenant"], x.get("label", "none")))
def downgrade():
    x = context.get_x_argument(as_dictionary=True)
    op.execute("DROP TABLE t_%s" % x["tenant"])
PYEOF

# xarg_project DIR URL DIALECT: the same for retort.
xarg_project() {
	mkdir -p "$1/migrations/versions"
	# offline_history = false: only what Alembic renders, to compare
	printf 'script_location = "migrations";\nurl = "%s";\noffline_history = false;\n' "$2" \
		>"$1/retort.cfg"
	chmod 600 "$1/retort.cfg"
	if [ "$3" = mssql ]; then sep='
GO'; else sep=''; fi
	{
		echo "-- Message: rev"
		echo "-- Revision ID: x1xarg"
		echo "-- Revises:"
		echo
		echo "-- retort:upgrade"
		echo "CREATE TABLE t_\${x:tenant} (id INTEGER, v VARCHAR(20));$sep"
		echo "INSERT INTO t_\${x:tenant} VALUES (1, '\${x:label:-none}');$sep"
		echo
		echo "-- retort:downgrade"
		echo "DROP TABLE t_\${x:tenant};$sep"
	} >"$1/migrations/versions/x1xarg_rev.sql"
}

# ---------------------------------------------------------------- the runs

# Run everything first; $T/plan lists what to report.
: >"$T/plan"
while IFS='|' read -r d aurl rurl module; do
	if [ ! -f "$top_builddir/plugins/$module/retort_$module.la" ]; then
		echo "skip|$d|the $module plugin is not built" >>"$T/plan"
		continue
	fi
	mkdir -p "$T/out/$d/alembic" "$T/out/$d/retort"
	# Alembic: all commands in one interpreter.
	set --
	while IFS='|' read -r c args; do
		case $c in
		*-tpm) set -- "$@" "$c" "OFFLINE_TPM=true $args" ;;
		*-vt) set -- "$@" "$c" "OFFLINE_VT=Deploy_Versions OFFLINE_VTS=ops $args" ;;
		sections) set -- "$@" "$c" "ALEMBIC_INI=sections.ini $args" ;;
		xarg*) set -- "$@" "$c" "ALEMBIC_INI=xarg.ini $args" ;;
		*) set -- "$@" "$c" "$args" ;;
		esac
	done <<EOF
$COMMANDS
EOF
	(cd "$T/alembic" && "$PY" "$HELPERS/alembic_batch.py" \
		alembic.ini "$aurl" "$T/out/$d/alembic" "$@") >"$T/out/$d/alembic.log" 2>&1
	# retort, command by command.
	retort_project "$T/proj-$d" "$rurl" "$d"
	retort_project "$T/proj-$d-tpm" "$rurl" "$d" tpm
	retort_project "$T/proj-$d-vt" "$rurl" "$d" vt
	sections_project "$T/proj-$d-sections" "$rurl"
	xarg_project "$T/proj-$d-xarg" "$rurl" "$d"
	while IFS='|' read -r c args; do
		case $c in
		*-tpm) p="$T/proj-$d-tpm" ;;
		*-vt) p="$T/proj-$d-vt" ;;
		sections) p="$T/proj-$d-sections" ;;
		xarg*) p="$T/proj-$d-xarg" ;;
		*) p="$T/proj-$d" ;;
		esac
		# shellcheck disable=SC2086 # $args is a word list on purpose
		(cd "$p" && "$RETORT" $args >"$T/out/$d/retort/$c.out" \
			2>"$T/out/$d/retort/$c.err"; echo $? >"$T/out/$d/retort/$c.rc")
		echo "run|$d|$c" >>"$T/plan"
	done <<EOF
$COMMANDS
EOF
done <<EOF
$DIALECTS
EOF

# compare D C ASPECT MODE: one aspect of Alembic's and retort's output of
# command C on dialect D, through sqlchunks.py MODE.
compare() {
	_a="$T/out/$1/alembic/$2.out"
	_r="$T/out/$1/retort/$2.out"
	"$PY" "$HELPERS/sqlchunks.py" "$4" "$_a" >"$_a.$4" 2>&1
	case $2 in
	ensure*)
		# Documented difference (README, "Where retort decides"): Alembic
		# ends ensure_version --sql with DROP TABLE of the table it has
		# just created (as any offline run left with no rows); retort
		# prints the CREATE TABLE only.  Drop that piece (and the GO or
		# "/" after it) from Alembic's side; everything else must match.
		awk '/^DROP TABLE/ { skip = 1; next }
			skip && ($0 == "GO" || $0 == "/") { skip = 0; next }
			{ skip = 0; print }' "$_a.$4" >"$_a.$4.tmp" && mv "$_a.$4.tmp" "$_a.$4"
		grep -q '^DROP TABLE' "$_a" 2>/dev/null ||
			tap_diag "$1 $2: Alembic no longer ends with DROP TABLE: update README and this test"
		;;
	esac
	"$PY" "$HELPERS/sqlchunks.py" "$4" "$_r" >"$_r.$4" 2>&1
	if [ ! -s "$_a.$4" ] && [ -s "$_a" ] && [ ! -s "$_r.$4" ] && [ -s "$_r" ]; then
		tap_ok "$1 $2 $3: same as Alembic (neither output has any)"
	elif [ ! -s "$_a.$4" ]; then
		tap_fail "$1 $2 $3: Alembic's output has nothing to compare"
		tap_diag "$(cat "$_a" 2>/dev/null)" "$(cat "$T/out/$1/alembic/$2.err" 2>/dev/null)"
	elif cmp -s "$_a.$4" "$_r.$4"; then
		tap_ok "$1 $2 $3: same as Alembic"
	else
		tap_fail "$1 $2 $3: same as Alembic"
		tap_diag "--- Alembic, +++ retort: $(echo "$COMMANDS" | sed -n "s/^$2|//p")" \
			"$(diff -u "$_a.$4" "$_r.$4" | tail -n +3)"
	fi
}

while IFS='|' read -r kind d c; do
	if [ "$kind" = skip ]; then
		while IFS='|' read -r cc _; do
			for a in $ASPECTS; do
				tap_skip "$d $cc $a: $c"
			done
		done <<EOF
$COMMANDS
EOF
		continue
	fi
	ao="$T/out/$d/alembic"
	ro="$T/out/$d/retort"
	args=$(echo "$COMMANDS" | sed -n "s/^$c|//p")
	arc=$(cat "$ao/$c.rc" 2>/dev/null || echo "?")
	rrc=$(cat "$ro/$c.rc" 2>/dev/null || echo "?")
	if [ "$arc" = 0 ] && [ "$rrc" = 0 ]; then
		tap_ok "$d $c exit: both tools succeed ($args)"
	else
		tap_fail "$d $c exit: both tools succeed ($args)"
		tap_diag "alembic: exit $arc" "$(tail -5 "$ao/$c.err" 2>/dev/null)" \
			"$(tail -5 "$T/out/$d/alembic.log" 2>/dev/null)" \
			"retort: exit $rrc" "$(cat "$ro/$c.err" 2>/dev/null)"
	fi
	compare "$d" "$c" version version
	compare "$d" "$c" running running
	compare "$d" "$c" script all
done <"$T/plan"

tap_done
