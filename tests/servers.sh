#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tests/servers.sh - throwaway PostgreSQL and MariaDB servers for the test
# suite.
#
# Usage (from the project's test command, e.g. .ci/run):
#
#     eval "$(tests/servers.sh start)"       # starts both, exports the URLs
#     trap 'tests/servers.sh stop' EXIT      # stop reads $RETORT_SERVERS_DIR
#     make check
#
# or sourced, which exports into the current shell directly:
#
#     . tests/servers.sh start    ...    . tests/servers.sh stop
#
# or with a directory of the caller's choosing, reading the env file:
#
#     export RETORT_SERVERS_DIR=$(mktemp -d)
#     tests/servers.sh start >/dev/null && . "$RETORT_SERVERS_DIR/env"
#
# Commands:
#   start [pg] [mysql] [pgbouncer] [galera]
#                       start the named servers (default: all four), create the
#                       test databases and users, write $RETORT_SERVERS_DIR/env
#                       and print its `export` lines on stdout (everything
#                       else goes to stderr, so `eval "$(...)"` is safe).
#   env                 print the export lines of a started run again.
#   stop                stop whatever the run in $RETORT_SERVERS_DIR started,
#                       also when it was only half started, and remove the
#                       directory.
#
# Exported variables:
#   RETORT_TEST_PG_URL          postgresql://retort:retort-secret@127.0.0.1:PORT/retort_test
#   RETORT_TEST_PG_ADMIN_URL    the superuser (postgres) on the same server
#   RETORT_TEST_MYSQL_URL       mysql://retort:retort-secret@127.0.0.1:PORT/retort_test
#   RETORT_TEST_MYSQL_ADMIN_URL root on the same server
#   RETORT_TEST_PGBOUNCER_URL   the test database through PgBouncer in
#                               transaction pooling mode (pool of 3)
#   RETORT_TEST_GALERA_URLS     the test database on each node of a 3-node
#                               MariaDB Galera cluster, space-separated
#   RETORT_TEST_GALERA_ADMIN_URL  root on its node 1
#   RETORT_SERVERS_DIR          the run's directory (data, sockets, logs, env)
#   RETORT_TEST_TLS_DIR         the run's throwaway certificates (see below)
# The `retort` users own (PostgreSQL: may create) databases, and on MariaDB
# have every privilege on databases named retort_*, so tests can make more.
#
# TLS: each run makes a throwaway CA with openssl, and a server certificate
# for 127.0.0.1 and localhost signed by it; both servers accept TLS with it
# (and plain connections, as before).  RETORT_TEST_TLS_DIR holds:
#   ca.crt                 the CA that signed the servers' certificate
#   wrong-ca.crt           another CA, which signed nothing the servers use
#   client.crt client.key  a client certificate (CN=retort_cert) of ca.crt
# PostgreSQL lets the role retort_cert (which has no password) in with that
# client certificate only (pg_hba "hostssl ... cert").
#
# Developer override: if RETORT_TEST_PG_URL, RETORT_TEST_MYSQL_URL,
# RETORT_TEST_PGBOUNCER_URL or RETORT_TEST_GALERA_URLS is already set, that
# server is used as it is and not started (nor stopped).  PgBouncer and
# Galera live in tests/servers_topo.sh.
#
# Every run takes its own directory (mktemp, or $RETORT_SERVERS_DIR if the
# caller made one) and its own free ports on 127.0.0.1, so concurrent runs
# and the servers the Debian packages start on 5432/3306 are never touched.
# Run as root (the servers run as the postgres and mysql users) or as an
# ordinary user (the servers run as that user).
#
# Tunables: RETORT_SERVERS_TIMEOUT (seconds to wait for each server to
# accept connections, default 60), PG_BINDIR (default
# /usr/lib/postgresql/15/bin, else the newest /usr/lib/postgresql/*/bin).

# The script needs bash: `sh tests/servers.sh ...` re-runs itself in bash.
if [ -z "${BASH_VERSION:-}" ]; then
	case $0 in
	*servers.sh) exec bash "$0" "$@" ;;
	esac
	echo "servers.sh: needs bash: run it, or source it from bash" >&2
	return 2 2>/dev/null || exit 2
fi

# Sourced or executed?  When sourced, never `exit` the caller's shell.
if [ -n "${BASH_VERSION:-}" ] && [ "${BASH_SOURCE[0]}" != "$0" ]; then
	_rs_sourced=1
else
	_rs_sourced=0
fi

_rs_log() { printf 'servers.sh: %s\n' "$*" >&2; }

# PgBouncer and the Galera cluster.
. "$(dirname "${BASH_SOURCE[0]}")/servers_topo.sh" || {
	_rs_log "cannot read servers_topo.sh beside servers.sh"
	return 2 2>/dev/null || exit 2
}

# Password of the test users (URL-safe on purpose: the URL parser's decoding
# has its own tests).  The admin passwords are random per run.
_rs_user=retort
_rs_pass=retort-secret
_rs_db=retort_test

_rs_randhex()
{
	od -An -N8 -tx1 /dev/urandom | tr -d ' \n'
}

# Print a port on 127.0.0.1 nobody listens on.  The server's own bind is
# the real test: callers retry with another port when it fails.
_rs_free_port()
{
	local i port
	for i in $(seq 1 200); do
		port=$(( 20000 + ( (RANDOM << 15 | RANDOM) % 40000 ) ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	_rs_log "no free TCP port found on 127.0.0.1"
	return 1
}

# Run a command as `user` (root only), in a directory that user can enter.
_rs_as()
{
	local user=$1
	shift
	if [ "$(id -u)" = 0 ]; then
		(cd "$RETORT_SERVERS_DIR" && runuser -u "$user" -- "$@")
	else
		(cd "$RETORT_SERVERS_DIR" && "$@")
	fi
}

_rs_tail()
{
	local f=$1
	if [ -f "$f" ]; then
		_rs_log "last lines of $f:"
		tail -n 25 "$f" | sed 's/^/    /' >&2
	fi
}

_rs_pg_bindir()
{
	if [ -n "${PG_BINDIR:-}" ]; then
		echo "$PG_BINDIR"
	elif [ -x /usr/lib/postgresql/15/bin/initdb ]; then
		echo /usr/lib/postgresql/15/bin
	else
		ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
	fi
}

# ---------------------------------------------------------------- tls

# Make the run's CA, the servers' certificate and a client certificate.
_rs_tls_make()
{
	local dir=$RETORT_SERVERS_DIR/tls ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	if ! command -v openssl >/dev/null 2>&1; then
		_rs_log "openssl not found: apt-get install openssl"
		return 1
	fi
	mkdir -p "$dir" || return 1
	(
		cd "$dir" || exit 1
		umask 077
		# shellcheck disable=SC2086
		openssl req -x509 $ec -keyout ca.key -out ca.crt -days 7 \
			-subj "/CN=retort throwaway test CA" &&
		openssl req -x509 $ec -keyout wrong-ca.key -out wrong-ca.crt -days 7 \
			-subj "/CN=retort unrelated CA" &&
		openssl req $ec -keyout server.key -out server.csr -subj "/CN=127.0.0.1" &&
		printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
			"basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" >server.ext &&
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-out server.crt -days 7 -extfile server.ext &&
		openssl req $ec -keyout client.key -out client.csr -subj "/CN=retort_cert" &&
		printf '%s\n' "basicConstraints=CA:FALSE" "extendedKeyUsage=clientAuth" >client.ext &&
		openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-out client.crt -days 7 -extfile client.ext &&
		rm -f ./*.csr ./*.ext ./*.srl wrong-ca.key &&
		chmod 644 ca.crt wrong-ca.crt server.crt client.crt
	) >"$RETORT_SERVERS_DIR/tls.log" 2>&1 || {
		_rs_log "could not make the test certificates"
		_rs_tail "$RETORT_SERVERS_DIR/tls.log"
		return 1
	}
	chmod 755 "$dir"
	echo "RETORT_TEST_TLS_DIR=$dir" >>"$RETORT_SERVERS_DIR/env.tmp"
}

# Copy the server certificate and key into DIR for server user OWNER (a
# server refuses a key others can read).
_rs_tls_install()
{
	local dir=$1 owner=$2 tls=$RETORT_SERVERS_DIR/tls
	cp "$tls/ca.crt" "$tls/server.crt" "$tls/server.key" "$dir/" || return 1
	chmod 600 "$dir/server.key"
	chmod 644 "$dir/ca.crt" "$dir/server.crt"
	[ "$(id -u)" = 0 ] && chown "$owner:" "$dir/ca.crt" "$dir/server.crt" "$dir/server.key"
	return 0
}

# ---------------------------------------------------------------- postgresql

_rs_pg_start()
{
	local bindir dir port attempt admin_pass timeout i owner
	bindir=$(_rs_pg_bindir)
	if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
		_rs_log "PostgreSQL server binaries not found (looked for initdb in ${bindir:-/usr/lib/postgresql/*/bin}): apt-get install postgresql, or set PG_BINDIR"
		return 1
	fi
	dir=$RETORT_SERVERS_DIR/pg
	owner=postgres
	[ "$(id -u)" = 0 ] || owner=$(id -un)
	mkdir -p "$dir/data" "$dir/run" "$dir/tls" || return 1
	_rs_tls_install "$dir/tls" "$owner" || return 1
	admin_pass=$(_rs_randhex)
	printf '%s\n' "$admin_pass" > "$dir/pwfile"
	[ "$(id -u)" = 0 ] && chown -R "$owner:" "$dir"
	chmod 700 "$dir/data"
	chmod 600 "$dir/pwfile"

	_rs_log "initdb in $dir/data"
	if ! _rs_as "$owner" "$bindir/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
		-E UTF8 --no-locale --auth-local=trust --auth-host=scram-sha-256 \
		--no-sync >"$dir/initdb.log" 2>&1; then
		_rs_log "initdb failed"
		_rs_tail "$dir/initdb.log"
		return 1
	fi
	rm -f "$dir/pwfile"
	# The role retort_cert logs in with the client certificate only.
	sed -i '/^# TYPE/a hostssl all retort_cert 127.0.0.1/32 cert' "$dir/data/pg_hba.conf"

	timeout=${RETORT_SERVERS_TIMEOUT:-60}
	for attempt in 1 2 3 4 5; do
		port=$(_rs_free_port) || return 1
		cat >>"$dir/data/postgresql.conf" <<-EOF
		# retort test server (tests/servers.sh)
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$dir/run'
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		max_connections = 60
		ssl = on
		ssl_cert_file = '$dir/tls/server.crt'
		ssl_key_file = '$dir/tls/server.key'
		ssl_ca_file = '$dir/tls/ca.crt'
		EOF
		_rs_log "starting PostgreSQL on 127.0.0.1:$port"
		if _rs_as "$owner" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
			-w -t "$timeout" start </dev/null >>"$dir/pg_ctl.log" 2>&1; then
			break
		fi
		if grep -q 'could not bind\|Address already in use' "$dir/server.log" 2>/dev/null; then
			_rs_log "port $port was taken, trying another"
			_rs_as "$owner" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop \
				</dev/null >/dev/null 2>&1
			continue
		fi
		_rs_log "PostgreSQL did not start within ${timeout}s"
		_rs_tail "$dir/pg_ctl.log"
		_rs_tail "$dir/server.log"
		return 1
	done
	if [ "$attempt" = 5 ] && ! [ -f "$dir/data/postmaster.pid" ]; then
		_rs_log "PostgreSQL could not bind a free port"
		_rs_tail "$dir/server.log"
		return 1
	fi

	# pg_ctl -w returned: the server accepts connections.  Double-check over
	# TCP, boundedly, before creating the test user and database.
	for i in $(seq 1 "$timeout"); do
		if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; then
			break
		fi
		if [ "$i" = "$timeout" ]; then
			_rs_log "PostgreSQL on 127.0.0.1:$port does not accept connections after ${timeout}s"
			_rs_tail "$dir/server.log"
			return 1
		fi
		sleep 1
	done

	if ! _rs_as "$owner" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/run" -p "$port" \
		-U postgres -d postgres >>"$dir/setup.log" 2>&1 <<-EOF
		CREATE ROLE $_rs_user LOGIN CREATEDB PASSWORD '$_rs_pass';
		CREATE DATABASE $_rs_db OWNER $_rs_user;
		CREATE ROLE retort_cert LOGIN;
		GRANT CONNECT ON DATABASE $_rs_db TO retort_cert;
		EOF
	then
		_rs_log "could not create the PostgreSQL test user and database"
		_rs_tail "$dir/setup.log"
		return 1
	fi
	{
		echo "RETORT_TEST_PG_URL=postgresql://$_rs_user:$_rs_pass@127.0.0.1:$port/$_rs_db"
		echo "RETORT_TEST_PG_ADMIN_URL=postgresql://postgres:$admin_pass@127.0.0.1:$port/postgres"
	} >>"$RETORT_SERVERS_DIR/env.tmp"
	_rs_log "PostgreSQL ready on 127.0.0.1:$port"
}

_rs_pg_stop()
{
	local dir=$RETORT_SERVERS_DIR/pg bindir pid owner
	[ -d "$dir/data" ] || return 0
	owner=postgres
	[ "$(id -u)" = 0 ] || owner=$(id -un)
	bindir=$(_rs_pg_bindir)
	if [ -f "$dir/data/postmaster.pid" ]; then
		pid=$(head -n 1 "$dir/data/postmaster.pid")
		if [ -n "$bindir" ]; then
			_rs_as "$owner" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop \
				</dev/null >/dev/null 2>&1
		fi
		# pg_ctl failed or is missing: the postmaster's pid is in its pid
		# file; make sure it is gone, checking it still is a postgres.
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		   grep -q postgres "/proc/$pid/cmdline" 2>/dev/null; then
			kill -QUIT "$pid" 2>/dev/null
			sleep 1
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
}

# ---------------------------------------------------------------- mariadb

_rs_my_client()
{
	if command -v mariadb >/dev/null 2>&1; then echo mariadb; else echo mysql; fi
}

_rs_my_start()
{
	local dir port attempt timeout i owner server installdb pid admin_pass client ok
	dir=$RETORT_SERVERS_DIR/mysql
	server=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -n 1)
	installdb=$(command -v mariadb-install-db || command -v mysql_install_db)
	if [ -z "$server" ] || [ -z "$installdb" ]; then
		_rs_log "MariaDB server not found (mariadbd, mariadb-install-db): apt-get install mariadb-server"
		return 1
	fi
	client=$(_rs_my_client)
	owner=mysql
	[ "$(id -u)" = 0 ] || owner=$(id -un)
	mkdir -p "$dir/data" "$dir/run" "$dir/tls" || return 1
	[ "$(id -u)" = 0 ] && chown -R "$owner:" "$dir"
	chmod 700 "$dir/data"
	_rs_tls_install "$dir/tls" "$owner" || return 1

	_rs_log "mariadb-install-db in $dir/data"
	if ! (cd "$RETORT_SERVERS_DIR" && "$installdb" --no-defaults --user="$owner" \
		--datadir="$dir/data" --auth-root-authentication-method=normal \
		--skip-test-db --skip-name-resolve) >"$dir/install.log" 2>&1 </dev/null; then
		_rs_log "mariadb-install-db failed"
		_rs_tail "$dir/install.log"
		return 1
	fi

	timeout=${RETORT_SERVERS_TIMEOUT:-60}
	for attempt in 1 2 3 4 5; do
		port=$(_rs_free_port) || return 1
		_rs_log "starting MariaDB on 127.0.0.1:$port"
		: >"$dir/server.log"
		[ "$(id -u)" = 0 ] && chown "$owner:" "$dir/server.log"
		# All descriptors redirected: the server must not hold the
		# caller's stdout (eval "$(servers.sh start)" would hang).
		(cd "$RETORT_SERVERS_DIR" && exec "$server" --no-defaults --user="$owner" \
			--datadir="$dir/data" --socket="$dir/run/mysqld.sock" \
			--pid-file="$dir/run/mysqld.pid" --port="$port" --bind-address=127.0.0.1 \
			--log-error="$dir/server.log" --skip-name-resolve --skip-log-bin \
			--innodb-buffer-pool-size=32M --innodb-log-file-size=16M \
			--innodb-flush-log-at-trx-commit=0 --max-connections=60 \
			--ssl-ca="$dir/tls/ca.crt" --ssl-cert="$dir/tls/server.crt" \
			--ssl-key="$dir/tls/server.key" \
			</dev/null >>"$dir/server.log" 2>&1) &
		pid=$!
		# Not a job of a sourcing interactive shell (no "Done" notices).
		disown "$pid" 2>/dev/null
		echo "$pid" >"$dir/server.pid"
		ok=0
		for i in $(seq 1 $(( timeout * 4 ))); do
			if "$client" --no-defaults --protocol=socket -S "$dir/run/mysqld.sock" -uroot \
				-e 'SELECT 1' >/dev/null 2>&1; then
				ok=1
				break
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		[ "$ok" = 1 ] && break
		if kill -0 "$pid" 2>/dev/null; then
			_rs_log "MariaDB does not accept connections after ${timeout}s"
			_rs_tail "$dir/server.log"
			return 1
		fi
		wait "$pid" 2>/dev/null
		if grep -q 'Address already in use\|Do you already have another' "$dir/server.log"; then
			_rs_log "port $port was taken, trying another"
			continue
		fi
		_rs_log "MariaDB exited during startup"
		_rs_tail "$dir/server.log"
		return 1
	done
	if [ "$ok" != 1 ]; then
		_rs_log "MariaDB could not bind a free port"
		_rs_tail "$dir/server.log"
		return 1
	fi

	admin_pass=$(_rs_randhex)
	if ! "$client" --no-defaults --protocol=socket -S "$dir/run/mysqld.sock" -uroot \
		>>"$dir/setup.log" 2>&1 <<-EOF
		CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '$admin_pass';
		GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
		CREATE DATABASE $_rs_db;
		CREATE USER '$_rs_user'@'127.0.0.1' IDENTIFIED BY '$_rs_pass';
		CREATE USER '$_rs_user'@'localhost' IDENTIFIED BY '$_rs_pass';
		GRANT ALL PRIVILEGES ON \`retort\\_%\`.* TO '$_rs_user'@'127.0.0.1';
		GRANT ALL PRIVILEGES ON \`retort\\_%\`.* TO '$_rs_user'@'localhost';
		FLUSH PRIVILEGES;
		EOF
	then
		_rs_log "could not create the MariaDB test user and database"
		_rs_tail "$dir/setup.log"
		return 1
	fi
	{
		echo "RETORT_TEST_MYSQL_URL=mysql://$_rs_user:$_rs_pass@127.0.0.1:$port/$_rs_db"
		echo "RETORT_TEST_MYSQL_ADMIN_URL=mysql://root:$admin_pass@127.0.0.1:$port/mysql"
	} >>"$RETORT_SERVERS_DIR/env.tmp"
	_rs_log "MariaDB ready on 127.0.0.1:$port"
}

_rs_my_stop()
{
	local dir=$RETORT_SERVERS_DIR/mysql pid i
	for f in "$dir/run/mysqld.pid" "$dir/server.pid"; do
		[ -f "$f" ] || continue
		pid=$(head -n 1 "$f")
		[ -n "$pid" ] || continue
		# Only signal what still is a MariaDB/MySQL server of this run.
		if kill -0 "$pid" 2>/dev/null &&
		   tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--datadir=$dir/data"; then
			kill -TERM "$pid" 2>/dev/null
			for i in $(seq 1 80); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.25
			done
			kill -KILL "$pid" 2>/dev/null
		fi
	done
}

# ---------------------------------------------------------------- commands

# Print the export lines of the env file.
_rs_env()
{
	if [ -z "${RETORT_SERVERS_DIR:-}" ] || [ ! -f "$RETORT_SERVERS_DIR/env" ]; then
		_rs_log "no started run: RETORT_SERVERS_DIR is unset or has no env file (run start first)"
		return 1
	fi
	cat "$RETORT_SERVERS_DIR/env"
}

_rs_stop()
{
	if [ -z "${RETORT_SERVERS_DIR:-}" ]; then
		_rs_log "RETORT_SERVERS_DIR is unset: nothing to stop"
		return 0
	fi
	if [ ! -f "$RETORT_SERVERS_DIR/.retort-servers" ]; then
		_rs_log "$RETORT_SERVERS_DIR was not made by servers.sh start; not touching it"
		return 1
	fi
	_rs_pgb_stop
	_rs_gal_stop
	_rs_pg_stop
	_rs_my_stop
	rm -rf "$RETORT_SERVERS_DIR"
	_rs_log "stopped and removed $RETORT_SERVERS_DIR"
	return 0
}

_rs_start()
{
	local want_pg=0 want_my=0 want_pgb=0 want_gal=0 a rc=0 base
	[ $# -eq 0 ] && { want_pg=1; want_my=1; want_pgb=1; want_gal=1; }
	for a in "$@"; do
		case $a in
		pg|postgres|postgresql) want_pg=1 ;;
		mysql|mariadb) want_my=1 ;;
		pgbouncer) want_pgb=1 ;;
		galera) want_gal=1 ;;
		*) _rs_log "unknown server '$a' (use pg, mysql, pgbouncer, galera)"; return 2 ;;
		esac
	done
	# PgBouncer pools the test PostgreSQL.
	[ "$want_pgb" = 1 ] && want_pg=1
	[ -n "${RETORT_TEST_PG_URL:-}" ] && want_pg=0
	[ -n "${RETORT_TEST_MYSQL_URL:-}" ] && want_my=0
	[ -n "${RETORT_TEST_PGBOUNCER_URL:-}" ] && want_pgb=0
	[ -n "${RETORT_TEST_GALERA_URLS:-}" ] && want_gal=0

	if [ -n "${RETORT_SERVERS_DIR:-}" ] && [ -d "$RETORT_SERVERS_DIR" ]; then
		if [ -n "$(ls -A "$RETORT_SERVERS_DIR")" ]; then
			_rs_log "RETORT_SERVERS_DIR=$RETORT_SERVERS_DIR is not empty; unset it or give an empty directory"
			return 1
		fi
	else
		base=${TMPDIR:-/tmp}
		RETORT_SERVERS_DIR=$(mktemp -d "$base/retort-servers.XXXXXXXX") || return 1
	fi
	export RETORT_SERVERS_DIR
	: >"$RETORT_SERVERS_DIR/.retort-servers"
	# The env files hold passwords: readable by the caller only.
	(umask 077 && : >"$RETORT_SERVERS_DIR/env.tmp" && : >"$RETORT_SERVERS_DIR/env")
	# The server users must be able to enter the run directory.
	chmod 755 "$RETORT_SERVERS_DIR"
	if [ "$(id -u)" = 0 ]; then
		for a in postgres mysql; do
			if id "$a" >/dev/null 2>&1 &&
			   ! runuser -u "$a" -- test -x "$RETORT_SERVERS_DIR"; then
				_rs_log "user $a cannot enter $RETORT_SERVERS_DIR (a parent directory is private); set TMPDIR to a world-searchable directory such as /tmp"
				_rs_stop
				return 1
			fi
		done
	fi

	if [ "$want_pg" = 1 ] || [ "$want_my" = 1 ]; then
		_rs_tls_make || rc=1
	fi
	if [ "$rc" = 0 ] && [ "$want_pg" = 1 ]; then
		_rs_pg_start || rc=1
	fi
	if [ "$rc" = 0 ] && [ "$want_my" = 1 ]; then
		_rs_my_start || rc=1
	fi
	if [ "$rc" = 0 ] && [ "$want_pgb" = 1 ]; then
		_rs_pgb_start || rc=1
	fi
	if [ "$rc" = 0 ] && [ "$want_gal" = 1 ]; then
		_rs_gal_start || rc=1
	fi
	if [ "$rc" != 0 ]; then
		_rs_log "start failed; stopping what was started"
		_rs_stop
		unset RETORT_SERVERS_DIR
		return 1
	fi
	[ -n "${RETORT_TEST_PG_URL:-}" ] && [ "$want_pg" = 0 ] &&
		echo "RETORT_TEST_PG_URL=$RETORT_TEST_PG_URL" >>"$RETORT_SERVERS_DIR/env.tmp"
	[ -n "${RETORT_TEST_MYSQL_URL:-}" ] && [ "$want_my" = 0 ] &&
		echo "RETORT_TEST_MYSQL_URL=$RETORT_TEST_MYSQL_URL" >>"$RETORT_SERVERS_DIR/env.tmp"
	[ -n "${RETORT_TEST_PGBOUNCER_URL:-}" ] && [ "$want_pgb" = 0 ] &&
		echo "RETORT_TEST_PGBOUNCER_URL=$RETORT_TEST_PGBOUNCER_URL" >>"$RETORT_SERVERS_DIR/env.tmp"
	[ -n "${RETORT_TEST_GALERA_URLS:-}" ] && [ "$want_gal" = 0 ] &&
		echo "RETORT_TEST_GALERA_URLS=$RETORT_TEST_GALERA_URLS" >>"$RETORT_SERVERS_DIR/env.tmp"
	echo "RETORT_SERVERS_DIR=$RETORT_SERVERS_DIR" >>"$RETORT_SERVERS_DIR/env.tmp"
	# Quote each value for the shell.
	while IFS= read -r a; do
		printf "export %s='%s'\n" "${a%%=*}" "$(printf '%s' "${a#*=}" | sed "s/'/'\\\\''/g")"
	done <"$RETORT_SERVERS_DIR/env.tmp" >"$RETORT_SERVERS_DIR/env"
	rm -f "$RETORT_SERVERS_DIR/env.tmp"
	if [ "$_rs_sourced" = 1 ]; then
		. "$RETORT_SERVERS_DIR/env"
	else
		cat "$RETORT_SERVERS_DIR/env"
	fi
	return 0
}

_rs_main()
{
	# mariadbd and runuser live in sbin, which a plain user's PATH lacks.
	local PATH="$PATH:/usr/sbin:/sbin"
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $cmd in
	start) _rs_start "$@" ;;
	stop) _rs_stop ;;
	env) _rs_env ;;
	*)
		_rs_log "usage: servers.sh start [pg] [mysql] [pgbouncer] [galera] | env | stop"
		return 2
		;;
	esac
}

if [ "$_rs_sourced" = 1 ]; then
	_rs_main "$@"
else
	# A signal while starting must not leave servers behind.
	trap '_rs_log "interrupted"; [ -n "${RETORT_SERVERS_DIR:-}" ] && [ "${1:-}" = start ] && _rs_stop; exit 130' INT TERM
	_rs_main "$@"
	exit $?
fi
