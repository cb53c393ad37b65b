#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: the migration lock on a 3-node MariaDB Galera cluster
# (tests/servers_topo.sh), issue 9.  GET_LOCK is local to one node, so
# lock_strategy "auto" takes the table lease there, whose row is certified
# cluster-wide.  2 runners on each of the 3 nodes, at once, of a
# 20-revision project: each migration is applied exactly once (each
# inserts its id into a log table), every runner succeeds, and all nodes
# end with the same version table and log.
. "$top_srcdir/tests/tap.sh"
if [ -z "${RETORT_TEST_GALERA_URLS:-}" ]; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - RETORT_TEST_GALERA_URLS is not set: the Galera cluster (tests/servers.sh start galera) did not start"; exit 1; fi
	echo "1..0 # SKIP RETORT_TEST_GALERA_URLS not set (run tests/servers.sh start galera)"; exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/servers.inc"

N_REV=20
set -- $RETORT_TEST_GALERA_URLS
[ $# = 3 ] || { echo "Bail out! RETORT_TEST_GALERA_URLS has $# URLs, not 3"; exit 1; }
DB=retort_galera_$$
my_q "CREATE DATABASE $DB" "$1" || { echo "Bail out! cannot create database $DB"; exit 1; }
add_cleanup "\"$MY_CLIENT\" --no-defaults $(my_args "$1") -e 'DROP DATABASE IF EXISTS $DB' >/dev/null 2>&1"
N1=$(url_with_db "$1" "$DB")
N2=$(url_with_db "$2" "$DB")
N3=$(url_with_db "$3" "$DB")

new_project "$N1"
sed -i 's/^transaction_per_migration = .*/transaction_per_migration = true;/' retort.cfg
script r01 "" "CREATE TABLE runs (id INT AUTO_INCREMENT PRIMARY KEY, rev VARCHAR(8) NOT NULL);
INSERT INTO runs (rev) VALUES ('r01');" "DROP TABLE runs;"
i=2
while [ $i -le $N_REV ]; do
	r=$(printf 'r%02d' $i)
	p=$(printf 'r%02d' $((i - 1)))
	script "$r" "$p" "INSERT INTO runs (rev) VALUES ('$r');" "DELETE FROM runs WHERE rev = '$r';"
	i=$((i + 1))
done

# race DIR: two runners per node, all at once, in the project's directory.
race() {
	mkdir -p "$1"
	_j=0
	for _u in "$N1" "$N1" "$N2" "$N2" "$N3" "$N3"; do
		_j=$((_j + 1))
		("$RETORT" -v --url "$_u" upgrade head >"$1/out.$_j" 2>"$1/err.$_j"; echo $? >"$1/rc.$_j") &
	done
	wait
}
race "$T"

failed=$(grep -L '^0$' "$T"/rc.* | wc -l | tr -d ' ')
same "6 runners on 3 Galera nodes all succeed" "$failed" 0
if [ "$failed" != 0 ]; then
	for f in "$T"/err.*; do tap_diag "$f:" "$(tail -n 15 "$f")"; done
fi
if grep -q "lock_strategy table: auto: a Galera cluster node" "$T"/err.1; then
	tap_ok "lock_strategy auto takes the table lease on a Galera node"
else
	tap_fail "lock_strategy auto takes the table lease on a Galera node"
	tap_diag "$(head -n 5 "$T"/err.1)"
fi
retries=$(cat "$T"/err.* | grep -c "certification conflict); retrying")
tap_diag "certification conflicts retried (lease and version table): $retries"

# state URL: "RUNS DUPS VERSIONS LEASES", read after the node caught up
# with the cluster (wsrep_sync_wait).
state() {
	my_q "SET SESSION wsrep_sync_wait = 1;
SELECT (SELECT count(*) FROM runs),
 (SELECT count(*) FROM (SELECT rev FROM runs GROUP BY rev HAVING count(*) > 1) d),
 (SELECT group_concat(version_num ORDER BY version_num) FROM alembic_version),
 (SELECT count(*) FROM retort_lock);" "$1" | tr '\t' ' '
}
same "node 1: each migration once, one version row, the lease released" "$(state "$N1")" "$N_REV 0 r$N_REV 0"
same "node 2 has the same" "$(state "$N2")" "$N_REV 0 r$N_REV 0"
same "node 3 has the same" "$(state "$N3")" "$N_REV 0 r$N_REV 0"

# The control: GET_LOCK (lock_strategy "session") is local to one node, so
# runners on different nodes all "hold" it.  Something must go wrong: a
# migration applied twice, runners failing, or version rows that differ.
# Tried up to 3 times: the race is timing dependent.
DB0=$DB
bad=0
tries=0
while [ $tries -lt 3 ] && [ $bad = 0 ]; do
	tries=$((tries + 1))
	DB=${DB0}_s$tries
	my_q "CREATE DATABASE $DB" "$1" || { echo "Bail out! cannot create database $DB"; exit 1; }
	add_cleanup "\"$MY_CLIENT\" --no-defaults $(my_args "$1") -e 'DROP DATABASE IF EXISTS $DB' >/dev/null 2>&1"
	N1=$(url_with_db "$1" "$DB")
	N2=$(url_with_db "$2" "$DB")
	N3=$(url_with_db "$3" "$DB")
	sed -i '/^lock_strategy/d' retort.cfg
	echo 'lock_strategy = "session";' >>retort.cfg
	race "$T/s$tries"
	failed=$(grep -L '^0$' "$T"/s$tries/rc.* | wc -l | tr -d ' ')
	st=$(my_q "SET SESSION wsrep_sync_wait = 1;
SELECT (SELECT count(*) FROM runs),
 (SELECT count(*) FROM (SELECT rev FROM runs GROUP BY rev HAVING count(*) > 1) d),
 (SELECT group_concat(version_num ORDER BY version_num) FROM alembic_version);" "$N1" 2>&1 | tr '\t' ' ')
	tap_diag "session lock, try $tries: runs, revisions run twice, version rows: $st; runners failed: $failed of 6"
	[ "$st" != "$N_REV 0 r$N_REV" ] && bad=1
	[ "$failed" != 0 ] && bad=1
	tap_diag "$(cat "$T"/s$tries/err.* | grep 'error:' | cut -c1-150 | sort | uniq -c)"
done
same "the session lock (GET_LOCK) on Galera goes wrong (control)" "$bad" 1

tap_done
