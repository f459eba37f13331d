# lib-clamav.sh - helpers for the t20xx clamav tests (source after test-lib.sh)
#
#   clamav_scan KIND [-o key=value]...   build sample KIND with t/mkattach.py,
#                                        scan it with --json into KIND.json and
#                                        its rule ids into KIND.rules
#   LW_CLAMAV_OPTS                       the -o options every scan gets: the
#                                        project's rules and signatures

LW_SIGS=$top_srcdir/contrib/signatures
LW_CLAMAV_OPTS="-o rules_file=$top_srcdir/contrib/rules/lurewatch.rules -o clamav_db=$LW_SIGS"
command -v zip >/dev/null 2>&1 && test_set_prereq ZIP

clamav_scan() {
	local kind=$1
	shift
	"$PYTHON" "$top_srcdir/t/mkattach.py" "$kind" "$kind.eml" &&
	"$LW_SCAN" $LW_CLAMAV_OPTS "$@" --json "$kind.eml" >"$kind.json" &&
	test_json_rules "$kind.json" >"$kind.rules"
}
