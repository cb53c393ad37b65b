# SPDX-License-Identifier: MIT
#
# tests/servers_topo.sh - the production topologies of tests/servers.sh:
# PgBouncer in transaction pooling mode in front of the test PostgreSQL,
# and a 3-node MariaDB Galera cluster.  Sourced by servers.sh (bash), which
# provides _rs_log, _rs_tail, _rs_as, _rs_free_port, _rs_randhex and the
# run directory $RETORT_SERVERS_DIR; not meant to be run on its own.
#
# Exported variables (see servers.sh):
#   RETORT_TEST_PGBOUNCER_URL   postgresql://retort:...@127.0.0.1:PORT/retort_test
#                               through PgBouncer, pool_mode = transaction,
#                               default_pool_size = 3 per database and user;
#                               every database of the PostgreSQL server is
#                               reachable under its own name (wildcard entry)
#   RETORT_TEST_GALERA_URLS     the same database on each of the 3 nodes,
#                               space-separated: mysql://retort:...@127.0.0.1:P1/retort_test ...
#   RETORT_TEST_GALERA_ADMIN_URL  root on node 1
#
# Both are started from Debian's packages (pgbouncer; galera-4 with
# mariadb-server) on free loopback ports, in directories under
# $RETORT_SERVERS_DIR, and stopped by `servers.sh stop`.

# ---------------------------------------------------------------- pgbouncer

_rs_pgb_start()
{
	local dir=$RETORT_SERVERS_DIR/pgbouncer url rest hostport pghost pgport user pass port
	local attempt i owner bin ok pid
	bin=$(command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null)
	if [ -z "$bin" ]; then
		_rs_log "pgbouncer not found: apt-get install pgbouncer"
		return 1
	fi
	# The PostgreSQL it pools: the one started above, or the developer's.
	url=${RETORT_TEST_PG_URL:-$(sed -n 's/^RETORT_TEST_PG_URL=//p' "$RETORT_SERVERS_DIR/env.tmp")}
	if [ -z "$url" ]; then
		_rs_log "PgBouncer needs the PostgreSQL test server (start pg too)"
		return 1
	fi
	rest=${url#*://}
	user=${rest%%@*}
	pass=${user#*:}
	user=${user%%:*}
	hostport=${rest#*@}
	hostport=${hostport%%/*}
	pghost=${hostport%%:*}
	pgport=${hostport##*:}
	[ "$pgport" = "$hostport" ] && pgport=5432

	owner=postgres
	[ "$(id -u)" = 0 ] || owner=$(id -un)
	mkdir -p "$dir" || return 1
	# PgBouncer's own auth file: the test user's password, in clear, which
	# it needs to answer the server's SCRAM challenge itself.
	(umask 077 && printf '"%s" "%s"\n' "$user" "$pass" >"$dir/userlist.txt")
	[ "$(id -u)" = 0 ] && chown -R "$owner:" "$dir"

	for attempt in 1 2 3 4 5; do
		port=$(_rs_free_port) || return 1
		cat >"$dir/pgbouncer.ini" <<-EOF
		; retort test pooler (tests/servers_topo.sh)
		[databases]
		* = host=$pghost port=$pgport
		[pgbouncer]
		listen_addr = 127.0.0.1
		listen_port = $port
		unix_socket_dir =
		auth_type = scram-sha-256
		auth_file = $dir/userlist.txt
		pool_mode = transaction
		default_pool_size = 3
		min_pool_size = 0
		reserve_pool_size = 0
		max_client_conn = 500
		max_db_connections = 20
		server_lifetime = 3600
		server_idle_timeout = 60
		ignore_startup_parameters = extra_float_digits
		logfile = $dir/pgbouncer.log
		pidfile = $dir/pgbouncer.pid
		EOF
		[ "$(id -u)" = 0 ] && chown "$owner:" "$dir/pgbouncer.ini"
		: >"$dir/pgbouncer.log"
		[ "$(id -u)" = 0 ] && chown "$owner:" "$dir/pgbouncer.log"
		_rs_log "starting PgBouncer (transaction pooling) on 127.0.0.1:$port"
		# The subshell itself must not hold the caller's stdout either:
		# eval "$(servers.sh start)" waits for every writer to close it.
		(_rs_as "$owner" "$bin" "$dir/pgbouncer.ini") </dev/null >>"$dir/pgbouncer.out" 2>&1 &
		pid=$!
		disown "$pid" 2>/dev/null
		ok=0
		for i in $(seq 1 100); do
			if PGPASSWORD=$pass PGCONNECT_TIMEOUT=2 psql -X -q -A -t -h 127.0.0.1 -p "$port" \
				-U "$user" -d "${url##*/}" -c 'SELECT 1' >/dev/null 2>&1; then
				ok=1
				break
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		[ "$ok" = 1 ] && break
		if grep -q 'Address already in use' "$dir/pgbouncer.log" "$dir/pgbouncer.out" 2>/dev/null; then
			_rs_pgb_stop
			_rs_log "port $port was taken, trying another"
			continue
		fi
		_rs_log "PgBouncer does not accept connections"
		_rs_tail "$dir/pgbouncer.log"
		_rs_tail "$dir/pgbouncer.out"
		return 1
	done
	if [ "$ok" != 1 ]; then
		_rs_log "PgBouncer could not bind a free port"
		return 1
	fi
	echo "RETORT_TEST_PGBOUNCER_URL=postgresql://$user:$pass@127.0.0.1:$port/${url##*/}" \
		>>"$RETORT_SERVERS_DIR/env.tmp"
	_rs_log "PgBouncer ready on 127.0.0.1:$port (pool_mode = transaction, pool of 3)"
}

_rs_pgb_stop()
{
	local dir=$RETORT_SERVERS_DIR/pgbouncer pid i
	[ -f "$dir/pgbouncer.pid" ] || return 0
	pid=$(head -n 1 "$dir/pgbouncer.pid")
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null &&
	   tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$dir/pgbouncer.ini"; then
		kill -INT "$pid" 2>/dev/null
		for i in $(seq 1 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$dir/pgbouncer.pid"
}

# ---------------------------------------------------------------- galera

# _rs_gal_node N [ARGS...]: start node N of the cluster in the background.
# The ports are in _rs_gal_port (client), _rs_gal_gport (group
# communication), _rs_gal_iport (IST) and _rs_gal_sport (SST).
_rs_gal_node()
{
	local n=$1 dir=$RETORT_SERVERS_DIR/galera/n$1 addr pid
	shift
	addr="gcomm://127.0.0.1:${_rs_gal_gport[1]},127.0.0.1:${_rs_gal_gport[2]},127.0.0.1:${_rs_gal_gport[3]}"
	(cd "$RETORT_SERVERS_DIR" && exec "$_rs_gal_server" --no-defaults --user="$_rs_gal_owner" \
		--datadir="$dir/data" --socket="$dir/run/mysqld.sock" \
		--pid-file="$dir/run/mysqld.pid" --port="${_rs_gal_port[$n]}" \
		--bind-address=127.0.0.1 --log-error="$dir/server.log" --skip-name-resolve \
		--innodb-buffer-pool-size=32M --innodb-log-file-size=16M \
		--innodb-flush-log-at-trx-commit=0 --max-connections=100 \
		--binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2 \
		--wsrep-on=ON --wsrep-provider="$_rs_gal_provider" --wsrep-cluster-name=retort_test \
		--wsrep-cluster-address="$addr" --wsrep-node-name="node$n" \
		--wsrep-node-address="127.0.0.1:${_rs_gal_gport[$n]}" \
		--wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:${_rs_gal_gport[$n]};ist.recv_addr=127.0.0.1:${_rs_gal_iport[$n]};gcache.size=32M;pc.recovery=false" \
		--wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:${_rs_gal_sport[$n]}" \
		"$@" </dev/null >>"$dir/server.log" 2>&1) &
	pid=$!
	disown "$pid" 2>/dev/null
	echo "$pid" >"$dir/server.pid"
}

# _rs_gal_sql N SQL...: run SQL as root on node N's socket.
_rs_gal_sql()
{
	local n=$1
	shift
	"$_rs_gal_client" --no-defaults --protocol=socket \
		-S "$RETORT_SERVERS_DIR/galera/n$n/run/mysqld.sock" -uroot "$@"
}

# _rs_gal_wait N: wait until node N is synced with the cluster (wsrep_ready).
_rs_gal_wait()
{
	local n=$1 i timeout=${RETORT_SERVERS_TIMEOUT:-60}
	for i in $(seq 1 $(( timeout * 10 ))); do
		if _rs_gal_sql "$n" -N -e "SHOW STATUS LIKE 'wsrep_ready'" 2>/dev/null | grep -q ON; then
			return 0
		fi
		if ! kill -0 "$(cat "$RETORT_SERVERS_DIR/galera/n$n/server.pid" 2>/dev/null)" 2>/dev/null; then
			_rs_log "Galera node $n exited during startup"
			_rs_tail "$RETORT_SERVERS_DIR/galera/n$n/server.log"
			return 1
		fi
		sleep 0.1
	done
	_rs_log "Galera node $n is not synced after ${timeout}s"
	_rs_tail "$RETORT_SERVERS_DIR/galera/n$n/server.log"
	return 1
}

# Start the three nodes.  A fresh joiner would need a full state snapshot
# transfer (rsync SST, half a minute per node), so node 1 is bootstrapped
# once and shut down cleanly, its data directory (with the cluster's UUID
# and position in grastate.dat) is copied to nodes 2 and 3, and the
# cluster is then started from it: the joiners need only an incremental
# transfer of the few writes the second bootstrap made.
_rs_gal_try()
{
	local n i base=$RETORT_SERVERS_DIR/galera
	_rs_gal_port=(0) _rs_gal_gport=(0) _rs_gal_iport=(0) _rs_gal_sport=(0)
	for n in 1 2 3; do
		_rs_gal_port[$n]=$(_rs_free_port) || return 1
		_rs_gal_gport[$n]=$(_rs_free_port) || return 1
		_rs_gal_iport[$n]=$(_rs_free_port) || return 1
		_rs_gal_sport[$n]=$(_rs_free_port) || return 1
	done
	for n in 1 2 3; do
		rm -rf "$base/n$n/data" && mkdir -p "$base/n$n/data" || return 1
		: >"$base/n$n/server.log"
	done
	cp -a "$base/pristine/." "$base/n1/data/" || return 1
	[ "$(id -u)" = 0 ] && chown -R "$_rs_gal_owner:" "$base"

	_rs_log "bootstrapping Galera node 1 on 127.0.0.1:${_rs_gal_port[1]}"
	_rs_gal_node 1 --wsrep-new-cluster
	_rs_gal_wait 1 || return 1
	_rs_gal_sql 1 -e SHUTDOWN >/dev/null 2>&1
	for i in $(seq 1 200); do
		kill -0 "$(cat "$base/n1/server.pid")" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^safe_to_bootstrap: 1' "$base/n1/data/grastate.dat" 2>/dev/null; then
		_rs_log "Galera node 1 did not shut down cleanly"
		_rs_tail "$base/n1/server.log"
		return 1
	fi
	for n in 2 3; do
		cp -a "$base/n1/data/." "$base/n$n/data/" || return 1
		sed -i 's/^safe_to_bootstrap: 1/safe_to_bootstrap: 0/' "$base/n$n/data/grastate.dat"
	done

	_rs_log "starting the Galera cluster: nodes on 127.0.0.1:${_rs_gal_port[1]}, ${_rs_gal_port[2]}, ${_rs_gal_port[3]}"
	_rs_gal_node 1 --wsrep-new-cluster
	_rs_gal_wait 1 || return 1
	_rs_gal_node 2
	_rs_gal_node 3
	_rs_gal_wait 2 && _rs_gal_wait 3
}

_rs_gal_start()
{
	local base=$RETORT_SERVERS_DIR/galera installdb attempt n admin_pass urls size
	_rs_gal_server=$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null | head -n 1)
	installdb=$(command -v mariadb-install-db || command -v mysql_install_db)
	_rs_gal_provider=${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}
	_rs_gal_client=$(_rs_my_client)
	if [ -z "$_rs_gal_server" ] || [ -z "$installdb" ]; then
		_rs_log "MariaDB server not found (mariadbd, mariadb-install-db): apt-get install mariadb-server"
		return 1
	fi
	if [ ! -f "$_rs_gal_provider" ]; then
		_rs_log "Galera provider $_rs_gal_provider not found: apt-get install galera-4 (or set GALERA_PROVIDER)"
		return 1
	fi
	if ! command -v rsync >/dev/null 2>&1; then
		_rs_log "rsync not found (Galera's state transfer uses it): apt-get install rsync"
		return 1
	fi
	_rs_gal_owner=mysql
	[ "$(id -u)" = 0 ] || _rs_gal_owner=$(id -un)
	for n in 1 2 3; do
		mkdir -p "$base/n$n/data" "$base/n$n/run" || return 1
	done
	mkdir -p "$base/pristine" || return 1
	[ "$(id -u)" = 0 ] && chown -R "$_rs_gal_owner:" "$base"
	_rs_log "mariadb-install-db for the Galera cluster in $base/pristine"
	if ! (cd "$RETORT_SERVERS_DIR" && "$installdb" --no-defaults --user="$_rs_gal_owner" \
		--datadir="$base/pristine" --auth-root-authentication-method=normal \
		--skip-test-db --skip-name-resolve) >"$base/install.log" 2>&1 </dev/null; then
		_rs_log "mariadb-install-db failed"
		_rs_tail "$base/install.log"
		return 1
	fi
	for attempt in 1 2 3; do
		_rs_gal_try && break
		_rs_gal_stop
		if [ "$attempt" = 3 ] ||
		   ! grep -q 'Address already in use\|Failed to listen\|bind' "$base"/n*/server.log; then
			_rs_log "the Galera cluster did not start"
			return 1
		fi
		_rs_log "a port was taken, trying other ports"
		rm -f "$base"/n*/run/*
	done
	size=$(_rs_gal_sql 1 -N -e "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | awk '{print $2}')
	if [ "$size" != 3 ]; then
		_rs_log "the Galera cluster has ${size:-no} nodes, not 3"
		return 1
	fi

	admin_pass=$(_rs_randhex)
	# Users and grants replicate (DDL, total order isolation).
	if ! _rs_gal_sql 1 >>"$base/setup.log" 2>&1 <<-EOF
		CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '$admin_pass';
		GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
		CREATE DATABASE $_rs_db;
		CREATE USER '$_rs_user'@'127.0.0.1' IDENTIFIED BY '$_rs_pass';
		GRANT ALL PRIVILEGES ON \`retort\\_%\`.* TO '$_rs_user'@'127.0.0.1';
		EOF
	then
		_rs_log "could not create the Galera test user and database"
		_rs_tail "$base/setup.log"
		return 1
	fi
	urls=
	for n in 1 2 3; do
		urls="$urls${urls:+ }mysql://$_rs_user:$_rs_pass@127.0.0.1:${_rs_gal_port[$n]}/$_rs_db"
	done
	{
		echo "RETORT_TEST_GALERA_URLS=$urls"
		echo "RETORT_TEST_GALERA_ADMIN_URL=mysql://root:$admin_pass@127.0.0.1:${_rs_gal_port[1]}/mysql"
	} >>"$RETORT_SERVERS_DIR/env.tmp"
	_rs_log "Galera cluster of 3 nodes ready"
}

_rs_gal_stop()
{
	local base=$RETORT_SERVERS_DIR/galera n pid i
	[ -d "$base" ] || return 0
	# Stop the joiners first, the bootstrap node last.
	for n in 3 2 1; do
		for f in "$base/n$n/run/mysqld.pid" "$base/n$n/server.pid"; do
			[ -f "$f" ] || continue
			pid=$(head -n 1 "$f")
			[ -n "$pid" ] || continue
			if kill -0 "$pid" 2>/dev/null &&
			   tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--datadir=$base/n$n/data"; then
				kill -TERM "$pid" 2>/dev/null
				for i in $(seq 1 80); do
					kill -0 "$pid" 2>/dev/null || break
					sleep 0.25
				done
				kill -KILL "$pid" 2>/dev/null
			fi
		done
	done
	# An rsync daemon a joiner may have started for a state transfer.
	for f in "$base"/n*/data/rsync_sst.pid; do
		[ -f "$f" ] || continue
		pid=$(head -n 1 "$f")
		if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q rsync; then
			kill -TERM "$pid" 2>/dev/null
		fi
	done
}
