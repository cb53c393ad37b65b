#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: the scripts `retort ... --sql` writes run cleanly through the
# databases' own clients (sqlite3, psql, mariadb) and leave what an online
# run leaves.
#
# For each dialect, two fresh databases: "off" gets only the SQL retort
# printed, fed to the client; "on" gets the same commands run online by
# retort.  After each step both must hold the same alembic_version rows (and
# the rows expected), the same data, and the same schema objects:
#
#   upgrade head --sql                    vs  upgrade head
#   downgrade f6index:b2second --sql      vs  downgrade b2second
#   upgrade b2second:head --sql           vs  upgrade head
#   downgrade f6index:base --sql          vs  downgrade base
#                                             (offline also drops the table)
#   stamp b2second --sql                  vs  stamp b2second
#
# The graph (a merge included) carries what offline rendering has to get
# right for each client: a PostgreSQL function in $$ and $tag$ quotes with
# ';' inside, a MariaDB procedure and function written with DELIMITER (one
# holding "//" in a string, so the rendering needs another delimiter), an
# SQLite trigger with BEGIN ... END, a dialect-specific section, literals
# with quotes and ';', and a `-- retort:transaction off` script (CREATE
# INDEX CONCURRENTLY on PostgreSQL, which psql refuses inside BEGIN/COMMIT).
#
# The servers are those of tests/servers.sh ($RETORT_TEST_PG_URL,
# $RETORT_TEST_MYSQL_URL); when a URL is unset that dialect's cases fail
# under CI=true and are skipped otherwise.  SQLite always runs.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}
CLEANUP=:
N_CASES=28  # TAP lines per dialect, for skipping

# ---------------------------------------------------------------- clients

# url_db URL DB: URL with its database replaced by DB.
url_db() {
	echo "$1" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$2\1|"
}

# my_conn URL: "host port user password database" of a mysql:// URL,
# percent-decoded (the test password is URL-safe and has no blanks).
my_conn() {
	"$PY" - "$1" <<'PYEOF'
import sys, urllib.parse as u
p = u.urlparse(sys.argv[1])
print(p.hostname or "127.0.0.1", p.port or 3306, u.unquote(p.username or "root"),
      u.unquote(p.password or ""), p.path.lstrip("/") or "-")
PYEOF
}

# client KIND TARGET [-c SQL | -f FILE]: run SQL or a script file with the
# database's own client, stopping at the first error; rows tab-separated on
# stdout.  TARGET: a file for sqlite, a URL for the servers.
client() {
	_k=$1 _t=$2 _how=$3 _what=$4
	case $_k in
	sqlite)
		if [ "$_how" = -c ]; then
			sqlite3 -bail -batch -separator '	' "$_t" "$_what"
		else
			sqlite3 -bail -batch "$_t" <"$_what"
		fi
		;;
	postgresql)
		if [ "$_how" = -c ]; then
			psql "$_t" -X -q -A -t -F '	' -v ON_ERROR_STOP=1 -c "$_what"
		else
			psql "$_t" -X -q -A -t -v ON_ERROR_STOP=1 -f "$_what"
		fi
		;;
	mysql)
		set -- $(my_conn "$_t")
		if [ "$_how" = -c ]; then
			MYSQL_PWD=$4 mariadb -h "$1" -P "$2" -u "$3" -N -B "$5" -e "$_what"
		else
			MYSQL_PWD=$4 mariadb -h "$1" -P "$2" -u "$3" -N -B "$5" <"$_what"
		fi
		;;
	esac
}

# vrows KIND TARGET: the version rows, space-separated ("" if no table).
vrows() {
	client "$1" "$2" -c "SELECT version_num FROM alembic_version ORDER BY 1" 2>/dev/null |
		tr '\n' ' ' | sed 's/ $//'
}

# has_version_table KIND TARGET: prints 1 or 0.
has_version_table() {
	case $1 in
	sqlite) q="SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'" ;;
	postgresql) q="SELECT count(*) FROM pg_tables WHERE tablename = 'alembic_version'" ;;
	mysql) q="SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'alembic_version'" ;;
	esac
	client "$1" "$2" -c "$q" 2>&1
}

# objects KIND TARGET: the schema objects the scripts make (tables other than
# alembic_version, functions, procedures, triggers, indexes), one per line.
objects() {
	case $1 in
	sqlite) q="SELECT type || ' ' || name FROM sqlite_master WHERE name LIKE 's\\_%' ESCAPE '\\' ORDER BY 1" ;;
	postgresql) q="SELECT 'table ' || tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%pkey' AND indexname <> 'alembic_version_pkc' ORDER BY 1" ;;
	mysql) q="SELECT CONCAT('table ', table_name) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'alembic_version' UNION ALL SELECT CONCAT(LOWER(routine_type), ' ', routine_name) FROM information_schema.routines WHERE routine_schema = DATABASE() UNION ALL SELECT DISTINCT CONCAT('index ', index_name) FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name <> 'PRIMARY' ORDER BY 1" ;;
	esac
	client "$1" "$2" -c "$q" 2>&1
}

# data KIND TARGET: the rows the scripts wrote.
data() {
	client "$1" "$2" -c "SELECT id, msg FROM s_log ORDER BY id" 2>/dev/null
	client "$1" "$2" -c "SELECT id, d FROM s_right ORDER BY id" 2>/dev/null
}

# ---------------------------------------------------------------- scripts

# rev ID REVISES [HEADER]: start migrations/versions/ID.sql; the sections
# follow on stdin.
rev() {
	{
		echo "-- Message: $1"
		echo "-- Revision ID: $1"
		echo "-- Revises: $2"
		[ -n "${3:-}" ] && echo "$3"
		echo
		cat
	} >"migrations/versions/$1.sql"
}

# write_project KIND URL: a retort project in the current directory.
write_project() {
	mkdir -p migrations/versions
	printf 'script_location = "migrations";\nurl = "%s";\n' "$2" >retort.cfg

	rev a1base "" <<'EOF'
-- retort:upgrade
CREATE TABLE s_log (id INTEGER PRIMARY KEY, msg VARCHAR(100));
INSERT INTO s_log VALUES (1, 'base; it''s');

-- retort:downgrade
DROP TABLE s_log;
EOF

	case $1 in
	postgresql)
		rev b2second a1base <<'EOF'
-- retort:upgrade
CREATE FUNCTION s_add(n integer, m text) RETURNS void AS $$
BEGIN
    -- a comment; with a semicolon
    INSERT INTO s_log VALUES (n, m || ';');
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION s_text() RETURNS text AS $fn$ SELECT 'a;' || $$b;$$ $fn$ LANGUAGE sql;
SELECT s_add(2, s_text());

-- retort:downgrade
DELETE FROM s_log WHERE id = 2;
DROP FUNCTION s_text();
DROP FUNCTION s_add(integer, text);
EOF
		call="SELECT s_add(3, 'left');"
		;;
	mysql)
		rev b2second a1base <<'EOF'
-- retort:upgrade
DELIMITER //
CREATE PROCEDURE s_add(IN n INT, IN m VARCHAR(50))
BEGIN
    -- a comment; with a semicolon
    INSERT INTO s_log VALUES (n, CONCAT(m, ';'));
END //
CREATE FUNCTION s_text() RETURNS VARCHAR(20) DETERMINISTIC
BEGIN
    RETURN 'a;//b;';
END//
DELIMITER ;
CALL s_add(2, s_text());

-- retort:downgrade
DELETE FROM s_log WHERE id = 2;
DROP FUNCTION s_text;
DROP PROCEDURE s_add;
EOF
		call="CALL s_add(3, 'left');"
		;;
	sqlite)
		rev b2second a1base <<'EOF'
-- retort:upgrade
CREATE TRIGGER s_trg AFTER INSERT ON s_log WHEN NEW.id = 2
BEGIN
    INSERT INTO s_log VALUES (100, 'trigger; fired');
END;
INSERT INTO s_log VALUES (2, 'a;b;;');

-- retort:downgrade
DROP TRIGGER s_trg;
DELETE FROM s_log WHERE id IN (2, 100);
EOF
		call="INSERT INTO s_log VALUES (3, 'left;');"
		;;
	esac

	rev c3left b2second <<EOF
-- retort:upgrade
CREATE TABLE s_left (id INTEGER);
$call

-- retort:downgrade
DELETE FROM s_log WHERE id = 3;
DROP TABLE s_left;
EOF

	# The dialect's own section replaces the generic one.
	rev d4right b2second <<EOF
-- retort:upgrade
CREATE TABLE s_right (id INTEGER, d VARCHAR(20) DEFAULT 'generic');
INSERT INTO s_right (id) VALUES (4);

-- retort:upgrade $1
CREATE TABLE s_right (id INTEGER, d VARCHAR(20) DEFAULT '$1');
INSERT INTO s_right (id) VALUES (4);

-- retort:downgrade
DROP TABLE s_right;
EOF

	rev e5merge "c3left, d4right" <<'EOF'
-- retort:upgrade
INSERT INTO s_log VALUES (5, 'merge "quoted"; done');

-- retort:downgrade
DELETE FROM s_log WHERE id = 5;
EOF

	case $1 in
	postgresql)
		up="CREATE INDEX CONCURRENTLY s_log_msg ON s_log (msg);"
		down="DROP INDEX CONCURRENTLY s_log_msg;" ;;
	mysql)
		up="CREATE INDEX s_log_msg ON s_log (msg);"
		down="DROP INDEX s_log_msg ON s_log;" ;;
	sqlite)
		up="CREATE INDEX s_log_msg ON s_log (msg);"
		down="DROP INDEX s_log_msg;" ;;
	esac
	rev f6index e5merge "-- retort:transaction off" <<EOF
-- retort:upgrade
$up

-- retort:downgrade
$down
EOF
}

# ---------------------------------------------------------------- the steps

# offline DESC ARGS...: run `retort ARGS --sql` in the project (against the
# off database's URL, never connected to), feed the output to the client
# on the off database.  Two TAP lines: retort succeeds, the client runs the
# script cleanly.
offline() {
	_d=$1; shift
	"$RETORT" --url "$OFF_URL" "$@" --sql >"$T/script.sql" 2>"$T/err"
	_rc=$?
	_n=$((_n + 1))
	cp "$T/script.sql" "$T/$KIND-$_n.sql"
	if [ $_rc -eq 0 ] && [ -s "$T/script.sql" ]; then
		tap_ok "$KIND: retort $* --sql ($_d)"
	else
		tap_fail "$KIND: retort $* --sql ($_d) exit $_rc"
		tap_diag "$(cat "$T/err")"
	fi
	client "$KIND" "$OFF" -f "$T/script.sql" >"$T/cout" 2>"$T/cerr"
	_rc=$?
	if [ $_rc -eq 0 ] && ! grep -qi 'error' "$T/cerr"; then
		tap_ok "$KIND: the script runs cleanly through $CLIENT ($_d)"
	else
		tap_fail "$KIND: the script runs cleanly through $CLIENT ($_d) exit $_rc"
		tap_diag "$(cat "$T/cerr")" "--- the script:" "$(cat "$T/script.sql")"
	fi
}

# online DESC ARGS...: run `retort ARGS` on the on database.
online() {
	_d=$1; shift
	if "$RETORT" --url "$ON_URL" "$@" >"$T/out" 2>"$T/err"; then
		tap_ok "$KIND: online retort $* ($_d)"
	else
		tap_fail "$KIND: online retort $* ($_d)"
		tap_diag "$(cat "$T/err")"
	fi
}

# agree DESC WANT_ROWS: both databases hold WANT_ROWS, the same data and the
# same schema objects.
agree() {
	_off=$(vrows "$KIND" "$OFF")
	_on=$(vrows "$KIND" "$ON")
	if [ "$_off" = "$2" ] && [ "$_on" = "$2" ]; then
		tap_ok "$KIND: version rows '$2' offline and online ($1)"
	else
		tap_fail "$KIND: version rows '$2' offline and online ($1)"
		tap_diag "offline: '$_off'" "online:  '$_on'"
	fi
	data "$KIND" "$OFF" >"$T/d.off"
	data "$KIND" "$ON" >"$T/d.on"
	objects "$KIND" "$OFF" >"$T/o.off"
	objects "$KIND" "$ON" >"$T/o.on"
	if cmp -s "$T/d.off" "$T/d.on" && cmp -s "$T/o.off" "$T/o.on"; then
		tap_ok "$KIND: same data and schema objects offline and online ($1)"
	else
		tap_fail "$KIND: same data and schema objects offline and online ($1)"
		tap_diag "--- online, +++ offline" "$(diff -u "$T/d.on" "$T/d.off" | tail -n +3)" \
			"$(diff -u "$T/o.on" "$T/o.off" | tail -n +3)"
	fi
}

# run_dialect KIND: everything for one dialect (N_CASES TAP lines).
run_dialect() {
	_n=0
	mkdir -p "$T/$KIND" && cd "$T/$KIND" || exit 99
	write_project "$KIND" "$OFF_URL"

	offline "from empty" upgrade head
	case $KIND in
	postgresql)
		if grep -q '^\$\$ LANGUAGE plpgsql;$' "$T/script.sql" &&
		   grep -qF "AS \$fn\$ SELECT 'a;' || \$\$b;\$\$ \$fn\$ LANGUAGE sql;" "$T/script.sql"; then
			tap_ok "$KIND: dollar-quoted bodies are rendered whole"
		else
			tap_fail "$KIND: dollar-quoted bodies are rendered whole"
			tap_diag "$(cat "$T/script.sql")"
		fi ;;
	mysql)
		if grep -q '^DELIMITER ;$' "$T/script.sql" &&
		   grep -q '^DELIMITER [^;]' "$T/script.sql"; then
			tap_ok "$KIND: routine bodies are wrapped in DELIMITER"
		else
			tap_fail "$KIND: routine bodies are wrapped in DELIMITER"
			tap_diag "$(cat "$T/script.sql")"
		fi ;;
	sqlite)
		if grep -q "^END;$" "$T/script.sql"; then
			tap_ok "$KIND: the trigger is rendered whole"
		else
			tap_fail "$KIND: the trigger is rendered whole"
			tap_diag "$(cat "$T/script.sql")"
		fi ;;
	esac
	online "from empty" upgrade head
	agree "at head" f6index
	_d2=$(client "$KIND" "$OFF" -c "SELECT msg FROM s_log WHERE id = 2" 2>&1)
	_r4=$(client "$KIND" "$OFF" -c "SELECT d FROM s_right" 2>&1)
	if [ -n "$_d2" ] && [ "$_r4" = "$KIND" ]; then
		tap_ok "$KIND: the routine ran and the $KIND section was used (offline)"
	else
		tap_fail "$KIND: the routine ran and the $KIND section was used (offline)"
		tap_diag "s_log row 2: '$_d2'" "s_right.d: '$_r4'"
	fi

	offline "unmerge" downgrade f6index:b2second
	online "unmerge" downgrade b2second
	agree "at b2second" b2second

	# A start revision: the table exists, the script must not create it.
	offline "from a start revision" upgrade b2second:head
	online "from b2second" upgrade head
	agree "after the range" f6index

	offline "to base" downgrade f6index:base
	online "to base" downgrade base
	agree "at base" ""
	same "$KIND: the offline downgrade to base dropped the version table" \
		"$(has_version_table "$KIND" "$OFF")" 0

	offline "stamp" stamp b2second
	online "stamp" stamp b2second
	agree "stamped" b2second
	cd "$T" || exit 99
}

# skip_dialect KIND REASON [fail]: N_CASES skips, or failures under CI=true
# or when the third argument is "fail".
skip_dialect() {
	_i=0
	while [ $_i -lt $N_CASES ]; do
		_i=$((_i + 1))
		if [ "${CI:-}" = true ] || [ "${3:-}" = fail ]; then
			tap_fail "$1 case $_i: $2"
		else
			tap_skip "$1 case $_i: $2"
		fi
	done
}

db=retort_offline_$$

# SQLite: two files.
KIND=sqlite CLIENT=sqlite3
OFF="$T/off.db" ON="$T/on.db"
OFF_URL="sqlite:///$OFF" ON_URL="sqlite:///$ON"
if [ ! -f "$top_builddir/plugins/sqlite/retort_sqlite.la" ]; then
	skip_dialect sqlite "the sqlite plugin is not built"
elif ! command -v sqlite3 >/dev/null; then
	skip_dialect sqlite "sqlite3 (the client) is not installed"
else
	run_dialect
fi

# PostgreSQL: two databases of our own.
KIND=postgresql CLIENT=psql
if [ -z "${RETORT_TEST_PG_URL:-}" ]; then
	skip_dialect postgresql "RETORT_TEST_PG_URL is not set (tests/servers.sh start)"
elif [ ! -f "$top_builddir/plugins/postgresql/retort_postgresql.la" ]; then
	skip_dialect postgresql "the postgresql plugin is not built"
elif ! psql "$RETORT_TEST_PG_URL" -X -q -c "CREATE DATABASE ${db}_off" ||
     ! psql "$RETORT_TEST_PG_URL" -X -q -c "CREATE DATABASE ${db}_on"; then
	psql "$RETORT_TEST_PG_URL" -X -q -c "DROP DATABASE IF EXISTS ${db}_off" >/dev/null 2>&1
	skip_dialect postgresql "cannot create databases ${db}_off and ${db}_on" fail
else
	CLEANUP="$CLEANUP; psql \"\$RETORT_TEST_PG_URL\" -X -q -c 'DROP DATABASE IF EXISTS ${db}_off' >/dev/null 2>&1; psql \"\$RETORT_TEST_PG_URL\" -X -q -c 'DROP DATABASE IF EXISTS ${db}_on' >/dev/null 2>&1"
	OFF_URL=$(url_db "$RETORT_TEST_PG_URL" "${db}_off") OFF=$OFF_URL
	ON_URL=$(url_db "$RETORT_TEST_PG_URL" "${db}_on") ON=$ON_URL
	run_dialect
fi

# MariaDB: two databases named retort_* (the test user owns those).
KIND=mysql CLIENT=mariadb
if [ -z "${RETORT_TEST_MYSQL_URL:-}" ]; then
	skip_dialect mysql "RETORT_TEST_MYSQL_URL is not set (tests/servers.sh start)"
elif [ ! -f "$top_builddir/plugins/mysql/retort_mysql.la" ]; then
	skip_dialect mysql "the mysql plugin is not built"
elif ! client mysql "$RETORT_TEST_MYSQL_URL" -c "CREATE DATABASE ${db}_off" ||
     ! client mysql "$RETORT_TEST_MYSQL_URL" -c "CREATE DATABASE ${db}_on"; then
	client mysql "$RETORT_TEST_MYSQL_URL" -c "DROP DATABASE IF EXISTS ${db}_off" >/dev/null 2>&1
	skip_dialect mysql "cannot create databases ${db}_off and ${db}_on" fail
else
	CLEANUP="$CLEANUP; client mysql \"\$RETORT_TEST_MYSQL_URL\" -c 'DROP DATABASE IF EXISTS ${db}_off' >/dev/null 2>&1; client mysql \"\$RETORT_TEST_MYSQL_URL\" -c 'DROP DATABASE IF EXISTS ${db}_on' >/dev/null 2>&1"
	OFF_URL=$(url_db "$RETORT_TEST_MYSQL_URL" "${db}_off") OFF=$OFF_URL
	ON_URL=$(url_db "$RETORT_TEST_MYSQL_URL" "${db}_on") ON=$ON_URL
	run_dialect
fi

tap_done
