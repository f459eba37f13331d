#!/bin/sh
test_description='configuration: defaults, overrides, and bad files refused with file, line and reason'
. "$(dirname "$0")/test-lib.sh"

scan() { "$LW_SCAN" "$@"; }

test_expect_success 'without a file the embedded defaults are complete' '
	: >empty.conf &&
	scan -c empty.conf --dump-config >dump &&
	test_grep "^tag_score = 3$" dump &&
	test_grep "^quarantine_score = 4$" dump &&
	test_grep "^reject_score = 15$" dump &&
	test_grep "^failure_policy = tempfail$" dump &&
	test_grep "^max_message_size = 52428800$" dump
'

test_expect_success 'a file sets keys; -o overrides the file; quotes keep spaces' '
	printf "# comment\n\ntag_score = 3\nsubject_prefix = \"[X] \"\nmax_message_size = 2M\n" >a.conf &&
	scan -c a.conf -o tag_score=4 --dump-config >dump &&
	test_grep "^tag_score = 4$" dump &&
	test_grep "^subject_prefix = \"\[X\] \"$" dump &&
	test_grep "^max_message_size = 2097152$" dump
'

test_expect_success 'score.RULE overrides a rule score' '
	printf "score.T_TAG = 0.5\n" >s.conf &&
	scan -c s.conf --dump-config >dump &&
	test_grep "^score.T_TAG = 0.5$" dump
'

test_expect_success 'an unknown key is refused with file and line' '
	printf "tag_score = 3\nno_such_key = 1\n" >bad.conf &&
	test_expect_code_78() { scan -c bad.conf --dump-config 2>err; test $? = 78; } &&
	test_expect_code_78 &&
	test_grep "bad.conf:2: unknown key \"no_such_key\"" err
'

test_expect_success 'bad values are refused with the reason' '
	printf "tag_score = lots\n" >v1.conf &&
	test_must_fail scan -c v1.conf --dump-config 2>err &&
	test_grep "v1.conf:1: tag_score: not a number" err &&
	printf "failure_policy = maybe\n" >v2.conf &&
	test_must_fail scan -c v2.conf --dump-config 2>err &&
	test_grep "v2.conf:1: failure_policy: \"maybe\" is not one of: accept, tempfail" err &&
	printf "max_parts = 0\n" >v3.conf &&
	test_must_fail scan -c v3.conf --dump-config 2>err &&
	test_grep "v3.conf:1: max_parts: 0 is out of range" err &&
	printf "max_message_size = 10X\n" >v4.conf &&
	test_must_fail scan -c v4.conf --dump-config 2>err &&
	test_grep "bad size suffix" err &&
	printf "just words\n" >v5.conf &&
	test_must_fail scan -c v5.conf --dump-config 2>err &&
	test_grep "v5.conf:1: expected \"key = value\"" err
'

test_expect_success 'thresholds out of order are refused' '
	printf "tag_score = 30\n" >t.conf &&
	test_must_fail scan -c t.conf --dump-config 2>err &&
	test_grep "tag_score <= quarantine_score <= reject_score" err
'

test_expect_success 'a bad -o is refused' '
	test_must_fail scan -o nokey=1 --dump-config 2>err &&
	test_grep "\-o nokey=1: unknown key" err &&
	test_must_fail scan -o tag_score --dump-config 2>err &&
	test_grep "expected key=value" err
'

test_expect_success 'a missing or world-writable configuration file is refused' '
	test_must_fail scan -c nowhere.conf --dump-config 2>err &&
	test_grep "nowhere.conf: No such file" err &&
	printf "tag_score = 3\n" >ww.conf && chmod 666 ww.conf &&
	test_must_fail scan -c ww.conf --dump-config 2>err &&
	test_grep "world-writable" err
'

test_expect_success 'a NUL byte in the configuration is refused, not silently cut off' '
	printf "tag_score = 3\000\nreject_score = 1\n" >nul.conf &&
	test_must_fail scan -c nul.conf --dump-config 2>err &&
	test_grep "nul.conf: NUL byte in configuration" err
'

test_expect_success 'a world-writable rules file, or one in a world-writable directory, is refused' '
	cp "$TEST_DATA/test.rules" ww.rules && chmod 666 ww.rules &&
	test_must_fail scan -o rules_file=$TRASH/ww.rules "$TEST_DATA/clean.eml" 2>err &&
	test_grep "rules: .*ww.rules: refusing a world-writable file" err &&
	"$LW_MILTER" -t -o rules_file=$TRASH/ww.rules 2>err; test $? = 78 &&
	test_grep "world-writable" err &&
	mkdir open && chmod 777 open && cp "$TEST_DATA/test.rules" open/r.rules &&
	test_must_fail scan -o rules_file=$TRASH/open/r.rules "$TEST_DATA/clean.eml" 2>err &&
	test_grep "world-writable directory" err
'

test_expect_success 'the milter refuses a bad configuration at start-up with exit 78' '
	"$LW_MILTER" -t -c bad.conf 2>err; test $? = 78 &&
	test_grep "bad.conf:2: unknown key" err &&
	"$LW_MILTER" -t -o rules_file="$TEST_DATA/bad.rules" 2>err; test $? = 78 &&
	test_grep "rules: .*bad.rules:3: unknown target" err
'

test_expect_success 'the milter accepts a good configuration' '
	"$LW_MILTER" -t -o rules_file="$top_srcdir/contrib/rules/lurewatch.rules" \
		-o quarantine_dir="$TRASH/q" -p inet:10025@127.0.0.1 >out &&
	test_grep "configuration OK" out
'

test_expect_success 'every key is documented in the sample configuration' '
	scan --dump-config | sed -n "s/^\([a-z_0-9]*\) = .*/\1/p" >keys &&
	test -s keys &&
	while read k; do
		grep -q "^#* *$k = " "$top_srcdir/contrib/lurewatch.conf.sample" || { echo "undocumented: $k"; exit_code=1; }
	done <keys && test -z "$exit_code"
'

test_expect_success 'the sample configuration itself loads' '
	cp "$top_srcdir/contrib/lurewatch.conf.sample" sample.conf && chmod 644 sample.conf &&
	scan -c sample.conf -o rules_file="$top_srcdir/contrib/rules/lurewatch.rules" --dump-config >/dev/null
'

test_done
