#!/bin/sh
# t9020-clamav-damaged-archives.sh - damaged archives never crash the scan or lose the message
test_description='clamav: randomly damaged zips (encrypted, password in body; nested) all get a verdict'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-clamav.sh"

# scan_damaged KIND N: N damaged variants of KIND, one verdict each, no crash
scan_damaged() {
	mkdir "$1" &&
	"$PYTHON" "$top_srcdir/t/mkattach.py" --mutate "$1" "$2" "$1" &&
	{ "$LW_SCAN" $LW_CLAMAV_OPTS --json "$1" >"$1.json" 2>"$1.err"; echo $? >"$1.rc"; } &&
	test_is -le 1 "$(cat "$1.rc")" "lurewatch-scan's exit status" &&
	test_grep_count = "$2" "^\{" "$1.json" &&
	test_must_fail grep -E "\"error\"" "$1.json"
}

test_expect_success PYTHON,ZIP 'damaged encrypted zips whose password is in the text' '
	scan_damaged encrypted-eicar 90 &&
	test_grep "LW_ATT_ENCRYPTED_ARCHIVE" encrypted-eicar.json
'

test_expect_success PYTHON 'damaged nested zips' '
	scan_damaged eicar-zipzip 60
'

test_expect_success PYTHON 'damaged macro documents' '
	scan_damaged docm 60
'

test_done
