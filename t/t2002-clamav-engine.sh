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
	test "$(cat rc)" = 2 &&
	test_grep "bad/broken.ndb: Malformed database" err
'

test_expect_success 'a missing signature directory is refused' '
	{ "$LW_SCAN" $LW_CLAMAV_OPTS -o clamav_db=$PWD/nowhere m.eml 2>err; echo $? >rc; } &&
	test "$(cat rc)" = 2 &&
	test_grep "clamav_db: .*/nowhere: No such file or directory" err
'

test_expect_success 'a world-writable signature file is refused' '
	mkdir ww && cp "$LW_SIGS"/lurewatch-test.ndb ww/ && chmod 666 ww/lurewatch-test.ndb &&
	{ "$LW_SCAN" $LW_CLAMAV_OPTS -o clamav_db=$PWD/ww m.eml 2>err; echo $? >rc; } &&
	test "$(cat rc)" = 2 &&
	test_grep "refusing world-writable file .*ww/lurewatch-test.ndb" err
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
	test "$(cat rc)" = 2 &&
	test_grep "clamav_tmpdir: .*shared: refusing a group- or world-writable directory" err
'

test_expect_success 'the clamav keys are in the configuration' '
	"$LW_SCAN" $LW_CLAMAV_OPTS -o clamav_max_files=7 --dump-config >conf &&
	test_grep "^clamav_max_files = 7$" conf &&
	test_grep "^clamav_max_scantime = " conf &&
	test_must_fail "$LW_SCAN" -o clamav_max_recursion=0 --dump-config
'

test_done
