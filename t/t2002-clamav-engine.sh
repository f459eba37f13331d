#!/bin/sh
# t2002-clamav-engine.sh - signature directories: defaults, bad databases, version of the set
test_description='clamav: a bad signature set refuses the engine with the file named'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-clamav.sh"

test_expect_success 'corrupt signature file: lurewatch-scan exits 2 naming the file' '
	mkdir bad && cp "$LW_SIGS"/* bad/ &&
	echo "this is not a signature" >bad/broken.ndb &&
	printf "From: a@b\n\nhi\n" >m.eml &&
	{ "$LW_SCAN" $LW_CLAMAV_OPTS -o clamav_db=$PWD/bad m.eml 2>err; echo $? >rc; } &&
	test_is = 78 "$(cat rc)" "cat rc" &&
	test_grep "bad/broken.ndb: Malformed database" err
'

test_expect_success 'a missing signature directory is refused' '
	{ "$LW_SCAN" $LW_CLAMAV_OPTS -o clamav_db=$PWD/nowhere m.eml 2>err; echo $? >rc; } &&
	test_is = 78 "$(cat rc)" "cat rc" &&
	test_grep "clamav_db: .*/nowhere: No such file or directory" err
'

test_expect_success 'a world-writable signature file is refused' '
	mkdir ww && cp "$LW_SIGS"/lurewatch-test.ndb ww/ && chmod 666 ww/lurewatch-test.ndb &&
	{ "$LW_SCAN" $LW_CLAMAV_OPTS -o clamav_db=$PWD/ww m.eml 2>err; echo $? >rc; } &&
	test_is = 78 "$(cat rc)" "cat rc" &&
	test_grep "refusing world-writable file .*ww/lurewatch-test.ndb" err
'

# local_version DIR...: "local-" and the first 12 hex digits of the SHA-256 over
# each local file's name, a NUL and its content, in byte order of the names
local_version() {
	for d in "$@"; do
		(cd "$d" && ls | LC_ALL=C sort | while read -r f; do printf "%s\0" "$f" && cat "$f"; done)
	done | sha256sum | cut -c1-12 | sed "s/^/local-/"
}

test_expect_success PYTHON 'the version is that of the set, whatever order the directory lists it in' '
	mkdir order &&
	for n in 5 2 9 1 7 3 8 0 6 4; do
		echo "Lurewatch.Test.Order$n:0:*:6c75726577617463682d6f72646572$n$n" >order/sig-$n.ndb || return 1
	done &&
	local_version order >expect &&
	"$LW_SCAN" $LW_CLAMAV_OPTS -o clamav_db=$PWD/order --json m.eml >one.json &&
	"$LW_SCAN" $LW_CLAMAV_OPTS -o clamav_db=$PWD/order -o brands_file=$top_srcdir/contrib/brands.txt \
		--json m.eml m.eml >two.json &&
	test_json_field one.json signature_version >actual &&
	test_cmp expect actual &&
	test_json_field two.json signature_version >actual &&
	test_cmp expect actual
'

test_expect_success PYTHON 'several directories, and the version follows the local set' '
	mkdir extra && cp "$LW_SIGS"/lurewatch.yar extra/ && mkdir ndb && cp "$LW_SIGS"/*.ndb ndb/ &&
	clamav_scan eicar -o clamav_db="$PWD/extra,$PWD/ndb" &&
	test_grep "^LW_ATT_CLAMAV_SIGNATURE$" eicar.rules &&
	test_json_field eicar.json signature_version >v1 &&
	echo "Lurewatch.Test.Extra:0:*:6c75726577617463682d6578747261" >ndb/extra.ndb &&
	clamav_scan eicar -o clamav_db="$PWD/extra,$PWD/ndb" &&
	test_json_field eicar.json signature_version >v2 &&
	test_must_fail test_cmp v1 v2
'

test_expect_success PYTHON 'clamav_tmpdir: a private directory is used, a shared one refused' '
	mkdir -m 700 scratch &&
	clamav_scan eicar-zip -o clamav_tmpdir=$PWD/scratch &&
	test_grep "^LW_ATT_CLAMAV_SIGNATURE$" eicar-zip.rules &&
	mkdir -m 777 shared &&
	{ "$LW_SCAN" $LW_CLAMAV_OPTS -o clamav_tmpdir=$PWD/shared m.eml 2>err; echo $? >rc; } &&
	test_is = 78 "$(cat rc)" "cat rc" &&
	test_grep "clamav_tmpdir: .*shared: refusing a group- or world-writable directory" err
'

test_expect_success 'the clamav keys are in the configuration' '
	"$LW_SCAN" $LW_CLAMAV_OPTS -o clamav_max_files=7 --dump-config >conf &&
	test_grep "^clamav_max_files = 7$" conf &&
	test_grep "^clamav_max_scantime = " conf &&
	test_must_fail "$LW_SCAN" -o clamav_max_recursion=0 --dump-config
'

test_done
