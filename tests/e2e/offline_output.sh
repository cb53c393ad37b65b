#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: `--sql --output FILE` writes the script atomically.
#
#  - The file holds exactly what stdout would have held, and nothing is
#    printed; a relative FILE is relative to the working directory.
#  - It appears complete: it is a new file renamed over the old one (the
#    inode changes), and a reader polling it while retort rewrites it again
#    and again never sees a partial script.
#  - The file gets the mode a shell redirection would give it: a new one
#    0666 less the umask (not mkstemp's 0600), an existing one its own.
#  - On an error (unknown revision, a script that fails to split, a MySQL
#    body no DELIMITER can wrap, a directory that does not exist, --output
#    without --sql, stamp --purge)
#    retort exits 2,
#    leaves an existing FILE untouched, creates none, and leaves no
#    temporary file behind.
#
# Offline mode never connects, so the PostgreSQL and MySQL cases use URLs
# that point at a port nobody listens on; only the plugins must be built.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

# listing DIR: the names in DIR (hidden ones too), one per line.
listing() {
	(cd "$1" && ls -A | LC_ALL=C sort)
}

# no_leftovers DESC DIR BEFORE: DIR holds exactly the names in BEFORE.
no_leftovers() {
	_now=$(listing "$2")
	if [ "$_now" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1"
		tap_diag "before:" "$3" "after:" "$_now"
	fi
}

new_project
# Renderings are compared byte for byte: without the run's own record
# (offline_history), whose run id and time differ each time.
echo 'offline_history = false;' >>retort.cfg
P=$(pwd)
script aaa "" "CREATE TABLE t (x INTEGER);
INSERT INTO t VALUES (1);" "DROP TABLE t;"
script bbb aaa "CREATE TABLE u (y TEXT);" "DROP TABLE u;"

# ---------------------------------------------------------------- success

expect "upgrade head --sql (stdout, for reference)" 0 upgrade head --sql
cp "$T/out" "$T/want.sql"
tap_check "the reference script is not empty" test -s "$T/want.sql"

before=$(listing .)
expect "upgrade head --sql --output up.sql" 0 upgrade head --sql --output up.sql
tap_check "--output prints nothing on stdout" test ! -s "$T/out"
if cmp -s up.sql "$T/want.sql"; then
	tap_ok "--output writes exactly what stdout would have held"
else
	tap_fail "--output writes exactly what stdout would have held"
	tap_diag "$(diff "$T/want.sql" up.sql 2>&1 | head -20)"
fi
no_leftovers "--output leaves only the file itself" . "$(printf '%s\nup.sql' "$before" | LC_ALL=C sort)"

# The mode of a new file: what `>` would give it.
rm -f up.sql
(umask 022 && "$RETORT" upgrade head --sql --output up.sql) >/dev/null 2>&1
same "a new --output file has mode 644 under umask 022" "$(stat -c %a up.sql 2>&1)" 644
rm -f up.sql
(umask 027 && "$RETORT" upgrade head --sql --output up.sql) >/dev/null 2>&1
same "a new --output file has mode 640 under umask 027" "$(stat -c %a up.sql 2>&1)" 640

chmod 604 up.sql
(umask 077 && "$RETORT" upgrade head --sql --output up.sql) >/dev/null 2>&1
same "an existing --output file keeps its mode (604)" "$(stat -c %a up.sql 2>&1)" 604

# Overwriting: a longer old file is replaced, not overwritten in place.
seq 1 5000 | sed 's/^/-- old line /' >up.sql
ino=$(stat -c %i up.sql)
expect "--output over an existing, longer file" 0 upgrade head --sql --output up.sql
if cmp -s up.sql "$T/want.sql"; then
	tap_ok "the old content is gone entirely"
else
	tap_fail "the old content is gone entirely"
	tap_diag "$(tail -3 up.sql)"
fi
if [ "$(stat -c %i up.sql)" != "$ino" ]; then
	tap_ok "the file was replaced by a rename (new inode)"
else
	tap_fail "the file was replaced by a rename (new inode)"
	tap_diag "same inode $ino: the file was written in place"
fi

# A relative --output is relative to the working directory, not to the
# project (the config file's directory).
mkdir "$T/elsewhere"
(cd "$T/elsewhere" && "$RETORT" -c "$P/retort.cfg" upgrade head --sql --output rel.sql) \
	>"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$T/elsewhere/rel.sql" "$T/want.sql" && [ ! -e "$P/rel.sql" ]; then
	tap_ok "a relative --output path is relative to the working directory"
else
	tap_fail "a relative --output path is relative to the working directory"
	tap_diag "exit $rc" "$(cat "$T/err")" "$(ls "$T/elsewhere" "$P")"
fi

# A reader never sees a partial file: a long script (many revisions) is
# rewritten again and again while another process reads it; every read
# must be the whole script.
new_project
echo 'offline_history = false;' >>retort.cfg
big=$(pwd)
prev=
i=0
while [ $i -lt 150 ]; do
	i=$((i + 1))
	id=$(printf 'r%04d' $i)
	script "$id" "$prev" "CREATE TABLE t_$id (id INTEGER, note VARCHAR(200));
INSERT INTO t_$id VALUES ($i, 'padding padding padding padding padding padding padding');
INSERT INTO t_$id VALUES ($i, 'more padding; more padding; more padding; more padding');" \
		"DROP TABLE t_$id;"
	prev=$id
done
rt upgrade head --sql
cp "$T/out" "$T/big.sql"
cp "$T/big.sql" big.sql
if [ "$rc" -eq 0 ] && [ "$(wc -c <"$T/big.sql")" -gt 50000 ]; then
	tap_ok "a long script for the reader test ($(wc -c <"$T/big.sql") bytes)"
else
	tap_fail "a long script for the reader test (exit $rc)"
	tap_diag "$(cat "$T/err")"
fi
before=$(listing .)
(
	n=0
	while [ $n -lt 30 ]; do
		"$RETORT" upgrade head --sql --output big.sql >/dev/null 2>&1 || echo fail >>"$T/writer.err"
		n=$((n + 1))
	done
	: >"$T/writer.done"
) &
writer=$!
reads=0 torn=0
while [ ! -e "$T/writer.done" ]; do
	if cat big.sql >"$T/read.sql" 2>/dev/null; then
		reads=$((reads + 1))
		cmp -s "$T/read.sql" "$T/big.sql" || torn=$((torn + 1))
	else
		torn=$((torn + 1))
	fi
done
wait "$writer"
if [ $torn -eq 0 ] && [ ! -e "$T/writer.err" ]; then
	tap_ok "$reads reads during 30 rewrites all saw the whole script"
else
	tap_fail "$reads reads during 30 rewrites all saw the whole script"
	tap_diag "$torn reads saw a missing or partial file" "$(cat "$T/writer.err" 2>/dev/null)"
fi
no_leftovers "the rewrites leave no temporary file" . "$before"
cd "$P" || exit 99

# ---------------------------------------------------------------- errors

# fails DESC STATUS WHAT ARGS...: retort ARGS --output keep.sql fails with
# STATUS and says WHAT on stderr, keep.sql keeps its content, and the
# directory gains nothing; then the same without an existing file.
fails() {
	_fd=$1 _fst=$2 _fwhat=$3
	shift 3
	printf 'keep me\n' >keep.sql
	_before=$(listing .)
	expect "$_fd: exit $_fst" "$_fst" "$@" --output keep.sql
	err_has "$_fd: the error says '$_fwhat'" "$_fwhat"
	same "$_fd: the existing file is untouched" "$(cat keep.sql)" "keep me"
	no_leftovers "$_fd: no temporary file is left" . "$_before"
	tap_check "$_fd: nothing on stdout" test ! -s "$T/out"
	rm -f keep.sql
	_before=$(listing .)
	rt "$@" --output new.sql
	tap_check "$_fd: no file is created when there was none" test ! -e new.sql
	no_leftovers "$_fd: still no temporary file" . "$_before"
}

fails "unknown revision" 2 nosuch upgrade nosuch --sql
fails "unknown start revision" 2 nosuch upgrade nosuch:head --sql
fails "downgrade without a range" 2 "<fromrev>:<torev>" downgrade base --sql
fails "--output without --sql" 2 "--sql" upgrade head

# A script that fails to split.  It is the second step, so the script is
# half rendered when the error comes: nothing of it may reach the file.
script ccc bbb "INSERT INTO t VALUES ('unterminated);" "DELETE FROM t;"
fails "sqlite: unterminated string in an upgrade" 2 ccc.sql upgrade head --sql
rm migrations/versions/ccc.sql
script ccc bbb "SELECT 1;" "INSERT INTO t VALUES ('unterminated);"
fails "sqlite: unterminated string in a downgrade" 2 ccc.sql downgrade ccc:base --sql
rm migrations/versions/ccc.sql

# The same through the server dialects' splitters (never connected to).
script ccc bbb "SELECT \$\$unterminated;" "SELECT 1;"
if [ -f "$top_builddir/plugins/postgresql/retort_postgresql.la" ]; then
	fails "postgresql: unterminated dollar quote" 2 ccc.sql \
		--url postgresql://u@127.0.0.1:1/db upgrade head --sql
else
	tap_skip "postgresql: the postgresql plugin is not built"
fi
rm migrations/versions/ccc.sql
script ccc bbb "/* unterminated comment; SELECT 1;" "SELECT 1;"
if [ -f "$top_builddir/plugins/mysql/retort_mysql.la" ]; then
	fails "mysql: unterminated comment" 2 ccc.sql \
		--url mysql://u@127.0.0.1:1/db upgrade head --sql
else
	tap_skip "mysql: the mysql plugin is not built"
fi
rm migrations/versions/ccc.sql

# A MySQL body holding every DELIMITER the rendering could wrap it in: a
# clear error naming the script, line and statement and saying what to
# change, the same from the native plugin and the odbc plugin (one rule:
# host->offline_sql), never a DELIMITER the body contains.
script ccc bbb "DELIMITER ;;;
CREATE PROCEDURE p()
BEGIN
  SELECT '// \$\$ ;; @@ %% ~~';
  SELECT 2;
END;;;
DELIMITER ;" "SELECT 1;"
for u in "mysql://u@127.0.0.1:1/db|mysql" "odbc://?dsn=x&flavour=mysql|odbc"; do
	if [ -f "$top_builddir/plugins/${u#*|}/retort_${u#*|}.la" ]; then
		fails "${u#*|}: a body holding every DELIMITER" 2 "ccc.sql:7: cannot render offline SQL" \
			--url "${u%|*}" upgrade head --sql
		err_has "${u#*|}: the error says what to change" "each of // \$\$ ;; @@ %% ~~; change one of these in it"
		err_has "${u#*|}: and shows the statement" "statement 1 (line 7): CREATE PROCEDURE p()"
	else
		tap_skip "${u#*|}: the ${u#*|} plugin is not built"
	fi
done
rm migrations/versions/ccc.sql

# `stamp --purge` cannot be rendered offline: the rows to delete are not
# known.  Alembic refuses ("Can't use --purge with --sql mode"), and so does
# retort.
printf 'keep me\n' >keep.sql
rt stamp --purge aaa --sql --output keep.sql
if [ "$rc" -eq 2 ] && [ "$(cat keep.sql)" = "keep me" ]; then
	tap_ok "stamp --purge --sql is refused (exit 2), the file untouched"
else
	tap_fail "stamp --purge --sql is refused (exit 2), the file untouched (exit $rc)"
	tap_diag "$(cat "$T/err")"
fi
rm -f keep.sql

# Offline mode never connects, and never shows the URL's password.
rt --url "postgresql://u:S3cretPw0rd@127.0.0.1:1/db" upgrade head --sql
if [ -f "$top_builddir/plugins/postgresql/retort_postgresql.la" ]; then
	same "--sql needs no server (a URL to a closed port)" "$rc" 0
	err_lacks "--sql output never shows the password" "S3cretPw0rd"
	expect "--sql with an unknown revision and a password in the URL: exit 2" 2 \
		--url "postgresql://u:S3cretPw0rd@127.0.0.1:1/db" upgrade nosuch --sql --output x.sql
	err_has "--sql with an unknown revision: the error names it" \
		"Can't locate revision identified by 'nosuch'"
	err_lacks "--sql errors never show the password" "S3cretPw0rd"
	tap_check "--sql error: no x.sql is written" test ! -e x.sql
else
	for _c in "--sql needs no server" "--sql output never shows the password" \
		"--sql with an unknown revision: exit 2" "--sql with an unknown revision: the error names it" \
		"--sql errors never show the password" "--sql error: no x.sql is written"; do
		tap_skip "$_c: the postgresql plugin is not built"
	done
fi

# A directory that does not exist: nothing is created anywhere.
before=$(listing .)
expect "--output into a missing directory: exit 2" 2 upgrade head --sql --output nodir/x.sql
tap_check "the missing directory is not created" test ! -e nodir
no_leftovers "nothing is left in the working directory" . "$before"
err_has "the error names the file" "nodir/x.sql"

tap_done
