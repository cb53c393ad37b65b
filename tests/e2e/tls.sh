#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: TLS options pass through to PostgreSQL and MariaDB, against
# the servers of tests/servers.sh, which run with a throwaway CA made by
# openssl for this run ($RETORT_TEST_TLS_DIR).  Proves that full
# verification connects (and that the migration's connection really is
# encrypted), that a CA which did not sign the server's certificate fails
# with an error naming the problem and never the password, and that a
# client certificate (sslcert/sslkey) logs in a role that has no password.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_PG_URL:-}" ] || [ -z "${RETORT_TEST_MYSQL_URL:-}" ] ||
   [ -z "${RETORT_TEST_TLS_DIR:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - the test servers (with TLS) did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_PG_URL, RETORT_TEST_MYSQL_URL or RETORT_TEST_TLS_DIR not set (run tests/servers.sh start)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/servers.inc"

CA=$RETORT_TEST_TLS_DIR/ca.crt
WRONG=$RETORT_TEST_TLS_DIR/wrong-ca.crt

# ---------------------------------------------------------------- PostgreSQL
pg_database tls
PW=$(url_password "$PG_URL")
new_project "$PG_URL?sslmode=verify-full&sslrootcert=$CA"
script t1 "" "CREATE TABLE conn_info (tls boolean);
INSERT INTO conn_info SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();" \
	"DROP TABLE conn_info;"
expect "pg: sslmode=verify-full with the run's CA connects and migrates" 0 upgrade head
same "pg: the migration's connection was encrypted" "$(pg_q "SELECT tls FROM conn_info")" "t"
expect "pg: current over verified TLS" 0 current
out_has "pg: current names t1" "t1"
LOCALHOST=$(echo "$PG_URL" | sed 's|@127\.0\.0\.1:|@localhost:|')
expect "pg: verify-full checks the host name too (localhost is in the certificate)" 0 \
	--url "$LOCALHOST?sslmode=verify-full&sslrootcert=$CA" current
expect "pg: a CA that did not sign the server's certificate fails" 1 \
	--url "$PG_URL?sslmode=verify-full&sslrootcert=$WRONG" current
err_has "pg: the error names the problem" "certificate verify failed"
err_lacks "pg: the error does not show the password" "$PW"
expect "pg: sslmode=verify-ca with the wrong CA fails too" 1 \
	--url "$PG_URL?sslmode=verify-ca&sslrootcert=$WRONG" current
err_has "pg: verify-ca names the problem" "certificate verify failed"

# A client certificate logs in the role retort_cert, which has no password
# (pg_hba: hostssl ... cert); sslcert and sslkey pass through.
CERT_URL=$(echo "$PG_URL" | sed 's|://[^@]*@|://retort_cert@|')
pg_q "GRANT SELECT ON alembic_version TO retort_cert"
expect "pg: sslcert and sslkey log in with the client certificate" 0 \
	--url "$CERT_URL?sslmode=verify-full&sslrootcert=$CA&sslcert=$RETORT_TEST_TLS_DIR/client.crt&sslkey=$RETORT_TEST_TLS_DIR/client.key" current
out_has "pg: and read the version table" "t1"
expect "pg: without the client certificate that role is refused" 1 \
	--url "$CERT_URL?sslmode=verify-full&sslrootcert=$CA" current

# ---------------------------------------------------------------- MariaDB
my_database tls
PW=$(url_password "$MY_URL")
new_project "$MY_URL?ssl_mode=VERIFY_IDENTITY&ssl_ca=$CA"
script t1 "" "CREATE TABLE conn_info (cipher varchar(200));
INSERT INTO conn_info SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher';" \
	"DROP TABLE conn_info;"
expect "mysql: ssl_mode=VERIFY_IDENTITY with the run's CA connects and migrates" 0 upgrade head
cipher=$(my_q "SELECT cipher FROM conn_info")
if [ -n "$cipher" ]; then tap_ok "mysql: the migration's connection was encrypted ($cipher)"; else tap_fail "mysql: the migration's connection was encrypted"; fi
expect "mysql: a CA that did not sign the server's certificate fails" 1 \
	--url "$MY_URL?ssl_mode=VERIFY_IDENTITY&ssl_ca=$WRONG" current
err_has "mysql: the error names the problem" "certificate"
err_has "mysql: it is a TLS error" "TLS/SSL error"
err_lacks "mysql: the error does not show the password" "$PW"
expect "mysql: ssl_mode=VERIFY_CA with the wrong CA fails too" 1 \
	--url "$MY_URL?ssl_mode=VERIFY_CA&ssl_ca=$WRONG" current
# MySQL's own clients write the options with '-': so may a URL.
expect "mysql: ssl-mode=VERIFY_IDENTITY&ssl-ca= (the client's spelling) connects" 0 \
	--url "$MY_URL?ssl-mode=VERIFY_IDENTITY&ssl-ca=$CA" current
out_has "mysql: and reads the version table" "t1"
expect "mysql: ssl-ca= with the wrong CA fails (the option is not ignored)" 1 \
	--url "$MY_URL?ssl-mode=VERIFY_IDENTITY&ssl-ca=$WRONG" current
err_has "mysql: with the TLS error" "TLS/SSL error"
tap_done
