#!/bin/sh
# SPDX-License-Identifier: MIT
# Offline (--sql) choices held against Alembic (issue 13): on a graph whose
# revision bb branches three ways,
#
#     aa <- bb <- cc
#              <- ee
#              <- ff
#
# each command runs through Debian's Alembic (tests/offline/alembic_batch.py)
# and retort, on sqlite, postgresql and mysql.  retort matches Alembic in
# each of these, and this test keeps it so:
#
#   stamp base --sql, upgrade base --sql   DROP TABLE of the version table
#       (Alembic ends every offline run left with no rows that way, even a
#       run of no step)
#   stamp --sql bb:cc bb:ee bb:ff          one starting revision shared by
#       several targets: three stamp steps from bb
#   stamp --sql bb:cc ee                   the start applies to every target
#   stamp --sql bb:cc aa:ee                refused: "only supports a single
#       starting revision at a time"
#   downgrade heads:base --sql             refused: a downgrade starts from
#       one revision ("Multiple head revisions are present ...")
#   downgrade head:base --sql              refused the same way
#   downgrade cc:base --sql                (control) runs
#
# The one offline difference retort keeps (ensure-version --sql without
# Alembic's DROP TABLE) is held by offline_alembic.sh.
# For a command both run: both succeed and the whole scripts are the same
# piece by piece (tests/offline/sqlchunks.py).  For a refusal: both fail and
# both messages hold Alembic's text.  Without Alembic every case is
# skipped, and fails under CI=true.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

PY=${RETORT_TEST_PYTHON:-/usr/bin/python3}
HELPERS="$top_srcdir/tests/offline"

# name | arguments | expected: ok, or the text both errors hold
COMMANDS="stampbase|stamp base --sql|ok
upbase|upgrade base --sql|ok
stampranges|stamp --sql bb:cc bb:ee bb:ff|ok
stampmixed|stamp --sql bb:cc ee|ok
stamptwostarts|stamp --sql bb:cc aa:ee|Stamp operation with --sql only supports a single starting revision at a time
downheads|downgrade heads:base --sql|Multiple head revisions are present for given argument 'heads'
downhead|downgrade head:base --sql|Multiple head revisions are present for given argument 'head'
downone|downgrade cc:base --sql|ok"

# name | Alembic URL | retort URL | plugin
DIALECTS='sqlite|sqlite://|sqlite:///never.db|sqlite
postgresql|postgresql://|postgresql://u@localhost/db|postgresql
mysql|mysql://|mysql://u@localhost/db|mysql'

if ! "$PY" -c 'import alembic, sqlalchemy' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then tap_fail "Alembic ($PY -m alembic) is installed"
	else tap_skip "Alembic is not installed"; fi
	tap_done
fi

REVS='aa|
bb|aa
cc|bb
ee|bb
ff|bb'

mkdir -p "$T/alembic/proj/versions"
cp "$top_srcdir/tests/fixtures/alembic-offline.ini" "$T/alembic/alembic.ini"
cat >"$T/alembic/proj/env.py" <<'PYEOF'
from alembic import context
config = context.config
context.configure(url=config.get_main_option("sqlalchemy.url"),
                  literal_binds=True, dialect_opts={"paramstyle": "named"})
with context.begin_transaction():
    context.run_migrations()
PYEOF
: >"$T/alembic/proj/script.py.mako"
mkdir -p "$T/retort/migrations/versions"
while IFS='|' read -r id parent; do
	if [ -n "$parent" ]; then down="'$parent'"; else down=None; fi
	cat >"$T/alembic/proj/versions/${id}_rev.py" <<PYEOF
from alembic import op
revision = '$id'
down_revision = $down
branch_labels = None
depends_on = None
def upgrade():
    op.execute("CREATE TABLE t_$id (id INTEGER)")
def downgrade():
    op.execute("DROP TABLE t_$id")
PYEOF
	printf -- '-- Message: rev\n-- Revision ID: %s\n-- Revises: %s\n\n-- retort:upgrade\nCREATE TABLE t_%s (id INTEGER);\n\n-- retort:downgrade\nDROP TABLE t_%s;\n' \
		"$id" "$parent" "$id" "$id" >"$T/retort/migrations/versions/${id}_rev.sql"
done <<EOF
$REVS
EOF

while IFS='|' read -r d aurl rurl module; do
	if [ ! -f "$top_builddir/plugins/$module/retort_$module.la" ]; then
		tap_skip "$d: the $module plugin is not built"
		continue
	fi
	mkdir -p "$T/out/$d/alembic" "$T/out/$d/retort"
	set --
	while IFS='|' read -r c args _; do
		set -- "$@" "$c" "$args"
	done <<EOF
$COMMANDS
EOF
	(cd "$T/alembic" && "$PY" "$HELPERS/alembic_batch.py" \
		alembic.ini "$aurl" "$T/out/$d/alembic" "$@") >"$T/out/$d/alembic.log" 2>&1
	# offline_history = false: only what Alembic renders, to compare
	printf 'script_location = "migrations";\nurl = "%s";\noffline_history = false;\n' "$rurl" \
		>"$T/retort/retort.cfg"
	while IFS='|' read -r c args want; do
		a="$T/out/$d/alembic/$c"
		r="$T/out/$d/retort/$c"
		# shellcheck disable=SC2086 # $args is a word list on purpose
		(cd "$T/retort" && "$RETORT" $args >"$r.out" 2>"$r.err"; echo $? >"$r.rc")
		arc=$(cat "$a.rc" 2>/dev/null || echo '?')
		rrc=$(cat "$r.rc")
		if [ "$want" = ok ]; then
			if [ "$arc" = 0 ] && [ "$rrc" = 0 ]; then
				tap_ok "$d $c: both succeed ($args)"
			else
				tap_fail "$d $c: both succeed ($args)"
				tap_diag "alembic: exit $arc" "$(tail -3 "$a.err" 2>/dev/null)" \
					"retort: exit $rrc" "$(cat "$r.err")"
				continue
			fi
			"$PY" "$HELPERS/sqlchunks.py" all "$a.out" >"$a.chunks" 2>&1
			"$PY" "$HELPERS/sqlchunks.py" all "$r.out" >"$r.chunks" 2>&1
			if [ -s "$a.chunks" ] && cmp -s "$a.chunks" "$r.chunks"; then
				tap_ok "$d $c: the same script as Alembic's"
			else
				tap_fail "$d $c: the same script as Alembic's"
				tap_diag "--- Alembic, +++ retort" "$(diff -u "$a.chunks" "$r.chunks" | tail -n +3)"
			fi
		else
			if [ "$arc" != 0 ] && [ "$rrc" != 0 ]; then
				tap_ok "$d $c: both refuse ($args)"
			else
				tap_fail "$d $c: both refuse ($args)"
				tap_diag "alembic: exit $arc" "$(cat "$a.out" 2>/dev/null)" \
					"retort: exit $rrc" "$(cat "$r.out")"
			fi
			# Alembic prints "FAILED: <message>" on its standard output
			if cat "$a.out" "$a.err" 2>/dev/null | grep -qF -- "$want" &&
				grep -qF -- "$want" "$r.err"; then
				tap_ok "$d $c: both say '$want'"
			else
				tap_fail "$d $c: both say '$want'"
				tap_diag "alembic:" "$(cat "$a.out" "$a.err" 2>/dev/null | tail -3)" \
					"retort:" "$(cat "$r.err")"
			fi
			if [ -s "$r.out" ]; then
				tap_fail "$d $c: retort prints no SQL when it refuses"
				tap_diag "$(cat "$r.out")"
			else
				tap_ok "$d $c: retort prints no SQL when it refuses"
			fi
		fi
	done <<EOF
$COMMANDS
EOF
done <<EOF
$DIALECTS
EOF
tap_done
