#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end: the branching commands through the CLI: revision --head/
# --splice/--branch-label/--depends-on/--version-path, merge, branches,
# heads, upgrade heads, label@head/label@base, stamp --purge.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/lib.sh"

new_project
hdr() { sed -n "s/^-- $2: *//p" migrations/versions/$1_*.sql; }

expect "base revision" 0 revision -m "base" --rev-id a1
expect "second" 0 revision -m "second" --rev-id a2
expect "a new branch needs --splice from a non-head" 2 revision -m "side" --rev-id s1 --head a1
err_has "Alembic's wording" "is not a head revision; please specify --splice"
expect "--splice branches from a1" 0 revision -m "side" --rev-id s1 --head a1 --splice
same "s1 revises a1" "$(hdr s1 Revises)" "a1"
expect "two heads: revision without --head is refused" 2 revision -m "x" --rev-id x1
err_has "says multiple heads" "Multiple heads are present"
expect "heads" 0 heads
out_has "heads lists a2" "a2 (head)"
out_has "heads lists s1" "s1 (head)"
expect "branches" 0 branches
out_has "branches shows the branch point" "a1 (branchpoint)"
expect "independent branch with a label" 0 revision -m "lib" --rev-id l1 --head base --branch-label lib
same "l1 is a base" "$(hdr l1 Revises)" ""
same "l1 carries the label" "$(hdr l1 'Branch Labels')" "lib"
mkdir extra
sed -i 's|^# version_locations = .*|version_locations = [ "extra" ];|' retort.cfg
expect "--version-path writes elsewhere" 0 revision -m "lib two" --rev-id l2 --head lib@head --version-path extra
tap_check "l2 is in extra/" test -f extra/l2_lib_two.sql
expect "--depends-on" 0 revision -m "needs lib" --rev-id d1 --head a2 --depends-on lib
grep -q '^-- Depends On: lib$' migrations/versions/d1_*.sql && tap_ok "d1 depends on lib" || tap_fail "d1 depends on lib"

expect "upgrade head refused with several heads" 2 upgrade head
err_has "Multiple head revisions are present" "Multiple head revisions are present"
expect "upgrade lib@head" 0 upgrade lib@head
same "only the lib branch" "$(versions)" "l2"
expect "upgrade heads" 0 upgrade heads
same "every head applied" "$(versions)" "d1 l2 s1"
expect "merge heads" 0 merge -m "join" --rev-id m1 heads
same "merge revises every head" "$(hdr m1 Revises)" "d1, l2, s1"
expect "upgrade to the merge" 0 upgrade head
same "one row after the merge" "$(versions)" "m1"
expect "current --verbose" 0 current --verbose
out_has "current --verbose shows the revision block" "Rev: m1 (head) (mergepoint)"
expect "history -r a1:a2 --verbose" 0 history -r a1:a2 --verbose
out_has "history range" "Rev: a2"
expect "downgrade lib@base" 0 downgrade lib@base
same "the lib branch and what needs it is gone" "$(versions)" "a2 s1"
expect "stamp --purge" 0 stamp --purge l1
same "purge replaced every row" "$(versions)" "l1"
expect "stamp two revisions" 0 stamp a2 s1
same "stamp of two revisions" "$(versions)" "a2 l1 s1"
expect "check lists pending work" 1 check
tap_done
