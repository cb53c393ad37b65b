#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: what the mysql plugin adds beyond the behaviour suite, through
# the retort binary against the MariaDB server of tests/servers.sh:
# DELIMITER blocks (procedures, triggers) online and in offline SQL run by
# the mariadb client, a failure inside a multi-statement script, URL
# parameters, connection errors without the password, and GET_LOCK making
# two concurrent runs queue.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_MYSQL_URL:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_MYSQL_URL is not set: the MariaDB test server did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_MYSQL_URL not set (run tests/servers.sh start)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"

db=retort_srv_$$
URL=$(echo "$RETORT_TEST_MYSQL_URL" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$db\1|")
# Client arguments for a URL (host, port, user, password, database).
margs() {
	/usr/bin/python3 - "$1" <<'PY'
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
PW=$(/usr/bin/python3 -c 'import sys, urllib.parse as u; print(u.unquote(u.urlparse(sys.argv[1]).password or ""))' "$URL")

new_project "$URL"

script m1 "" "CREATE TABLE items (id int PRIMARY KEY, note varchar(40));
CREATE TABLE item_log (id int);
DELIMITER //
CREATE PROCEDURE add_items(IN n int)
BEGIN
  DECLARE i int DEFAULT 1;
  WHILE i <= n DO
    INSERT INTO items VALUES (i, 'semi;colon');
    SET i = i + 1;
  END WHILE;
END//
CREATE TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW
BEGIN
  INSERT INTO item_log VALUES (NEW.id);
END//
DELIMITER ;
CALL add_items(3);" "DROP PROCEDURE add_items;
DROP TABLE item_log;
DROP TABLE items;"
expect "upgrade with a DELIMITER procedure and trigger" 0 upgrade head
same "the procedure ran" "$(q "SELECT COUNT(*) FROM items")" "3"
same "the trigger fired" "$(q "SELECT COUNT(*) FROM item_log")" "3"
same "version row" "$(q "SELECT version_num FROM alembic_version")" "m1"
expect "downgrade base" 0 downgrade base
same "all gone" "$(q "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'alembic_version' AND TABLE_NAME NOT LIKE 'retort\\_%'")" "0"

# Offline SQL wraps bodies in DELIMITER lines the mariadb client accepts.
# downgrade base leaves it, empty; an offline script from base creates it,
# and retort's own tables with it
q "DROP TABLE alembic_version, retort_history, retort_audit"
expect "upgrade head --sql" 0 upgrade head --sql
out_has "offline SQL has DELIMITER lines" "DELIMITER "
cp "$T/out" offline.sql
if "$CLIENT" --no-defaults $(margs "$URL") <offline.sql >"$T/client.err" 2>&1; then
	tap_ok "the mariadb client runs the offline script"
else
	tap_fail "the mariadb client runs the offline script"; tap_diag "$(cat "$T/client.err")" "$(cat offline.sql)"
fi
same "offline run: procedure and trigger worked" "$(q "SELECT COUNT(*) FROM item_log")" "3"
same "offline run: version row" "$(q "SELECT version_num FROM alembic_version")" "m1"
expect "online run finds nothing to do" 0 upgrade head
expect "downgrade base" 0 downgrade base

# A failure in the middle of a script: the statements before it stay
# (implicit commits), the version table names what completed, and the
# error names the statement, its line and the server's code.
script m2 m1 "CREATE TABLE m2a (id int);
CREATE TABLE m2b (id int);
INSERT INTO m2a VALUES (1, 2);
CREATE TABLE m2c (id int);" "DROP TABLE m2a; DROP TABLE m2b;"
expect "the failing m2 exits 1" 1 upgrade head
err_has "names the statement" "INSERT INTO m2a VALUES (1, 2)"
err_has "names the line" "line 8"
err_has "carries the server's error code" "1136"
err_has "says statements were committed" "committed"
err_lacks "no password" "$PW"
same "m1 is recorded, m2 is not" "$(q "SELECT version_num FROM alembic_version")" "m1"
same "m2's first statements stayed" "$(q "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('m2a', 'm2b', 'm2c')")" "2"
rm migrations/versions/m2.sql
q "DROP TABLE m2a; DROP TABLE m2b"
expect "downgrade base" 0 downgrade base

# URL parameters and connection errors.
expect "the mariadb:// scheme works too" 0 --url "$(echo "$URL" | sed 's|^mysql://|mariadb://|')" current
expect "?charset= and ?connect_timeout= pass through" 0 --url "$URL?charset=utf8mb4&connect_timeout=5" current
expect "an unknown parameter is a usage error" 2 --url "$URL?chraset=utf8" current
err_has "it names the parameter" "chraset"
BADPW=$(echo "$URL" | sed "s|://\([^:@/]*\):[^@]*@|://\1:Wrong-Pw-4711@|")
expect "a wrong password fails to connect" 1 --url "$BADPW" current
err_has "the server's reason reaches the user" "Access denied"
err_lacks "the wrong password is not shown" "Wrong-Pw-4711"

# GET_LOCK: a second run waits for the first, or gives up.
script s1 m1 "CREATE TABLE runs (rev varchar(8)); INSERT INTO runs VALUES ('s1'); SELECT SLEEP(1.5);" "DROP TABLE runs;"
script s2 s1 "INSERT INTO runs VALUES ('s2'); SELECT SLEEP(1.5);" "DELETE FROM runs WHERE rev = 's2';"
"$RETORT" upgrade head >"$T/o1" 2>"$T/e1" &
p1=$!
sleep 0.7
expect "a second run with --lock-timeout 0.3 gives up" 1 --lock-timeout 0.3 upgrade head
err_has "it names the lock and its holder" "connection id"
"$RETORT" --lock-timeout 30 upgrade head >"$T/o2" 2>"$T/e2" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
same "first run exits 0" "$r1" 0
same "waiting run exits 0" "$r2" 0
same "each migration ran once" "$(q "SELECT GROUP_CONCAT(rev ORDER BY rev SEPARATOR ' ') FROM runs")" "s1 s2"
same "at head" "$(q "SELECT version_num FROM alembic_version")" "s2"

# MySQL warns where others fail: the warning reaches the user.
script w1 s2 "SET SESSION sql_mode = '';
CREATE TABLE w1 (c VARCHAR(2));
INSERT INTO w1 VALUES ('too long');
DROP TABLE IF EXISTS nothing_here_w1;" "DROP TABLE w1;"
expect "a migration with a truncating INSERT succeeds (non-strict mode)" 0 upgrade head
err_has "the truncation warning is shown" "1265"
err_has "with its statement's line" "line 8"
err_lacks "a note is not shown by default" "nothing_here_w1"
tap_done
