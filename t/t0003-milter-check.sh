#!/bin/sh
test_description='lurewatch-milter -t checks what the daemon will meet: socket, user, the directories it writes'
. "$(dirname "$0")/test-lib.sh"

# check ARGS...: -t with the test rules, a quarantine store in the test directory and a loopback socket
# (a later argument wins); exit status in $rc, messages in out and err
check() {
	"$LW_MILTER" -t -o rules_file="$TEST_DATA/test.rules" -o quarantine_dir="$TRASH/q" \
		-p inet:10025@127.0.0.1 "$@" >out 2>err
	rc=$?
}
not_running() { ! kill -0 "$1" 2>/dev/null; }
expect_config_error() { # expect_config_error PATTERN: exit 78 (EX_CONFIG) and PATTERN on stderr
	test "$rc" = 78 || { echo "expected exit 78, got $rc" >&2; cat err >&2; return 1; }
	test_grep "$1" err
}

test_expect_success 'a good configuration is OK and creates the quarantine store as the daemon would' '
	check && test "$rc" = 0 &&
	test_grep "configuration OK" out &&
	test -d q/records
'

test_expect_success 'socket specifications libmilter understands pass' '
	for spec in inet:10025@127.0.0.1 inet:10025 inet6:10025@::1 "unix:$TRASH/m.sock" "local:$TRASH/m.sock"; do
		check -p "$spec" && test "$rc" = 0 || { echo "refused: $spec" >&2; cat err >&2; return 1; }
	done
'

test_expect_success 'tcp:1234 is refused with the reason and the forms that work' '
	check -p tcp:1234 &&
	expect_config_error "milter socket tcp:1234: unknown type \"tcp\"; use unix:/path, local:/path, inet:PORT@HOST or inet6:PORT@HOST"
'

test_expect_success 'a bad port, a relative path and a bare word are refused' '
	check -p inet:smtp@127.0.0.1 && expect_config_error "\"smtp\" is not a port number" &&
	check -p inet:70000@127.0.0.1 && expect_config_error "\"70000\" is not a port number" &&
	check -p inet6:10025@127.0.0.1x && expect_config_error "is not an IPv6 address" &&
	check -p unix:run/m.sock && expect_config_error "the path must be absolute" &&
	check -p milter && expect_config_error "milter socket \"milter\": no type"
'

test_expect_success 'the daemon itself refuses a bad socket with 78 before binding anything' '
	"$LW_MILTER" -f -o rules_file="$TEST_DATA/test.rules" -o quarantine_dir="$TRASH/q" -p tcp:1234 2>err
	rc=$? && expect_config_error "unknown type \"tcp\""
'

test_expect_success 'score.RULE for a rule nobody defines is refused, with the near miss' '
	check -o rules_file="$top_srcdir/contrib/rules/lurewatch.rules" -o score.LW_ZH_URGNET=0 &&
	expect_config_error "score.LW_ZH_URGNET: no rule \"LW_ZH_URGNET\" in .*lurewatch.rules or built in \(did you mean score.LW_ZH_URGENT\?\)" &&
	check -o score.NO_SUCH_RULE_AT_ALL=0 &&
	expect_config_error "score.NO_SUCH_RULE_AT_ALL: no rule" &&
	test_grep -v "did you mean" err
'

test_expect_success 'score.RULE for rules of the rules file and of the analyzers is accepted' '
	check -o rules_file="$top_srcdir/contrib/rules/lurewatch.rules" -o score.LW_ZH_URGENT=0 \
		-o score.T_TAG=1 -o score.LW_IMP_FREEMAIL=1 -o score.LW_LIMIT_MAX_PARTS=1 -o score.IOC_URL=3 &&
	test "$rc" = 78 && test_grep "score.T_TAG: no rule" err &&
	check -o score.T_TAG=1 -o score.LW_IMP_FREEMAIL=1 -o score.LW_LIMIT_MAX_PARTS=1 -o score.IOC_URL=3 &&
	test "$rc" = 0 &&
	check -o rules_file="$top_srcdir/contrib/rules/lurewatch.rules" -o score.LW_ZH_URGENT=0 &&
	test "$rc" = 0
'

test_expect_success 'the daemon itself refuses an unknown score.RULE with 78 before serving' '
	# a socket it cannot bind: were the rule id let through, it would stop with 71, not serve
	"$LW_MILTER" -f -o rules_file="$TEST_DATA/test.rules" -o quarantine_dir="$TRASH/q" \
		-p "unix:$TRASH/no-such-dir/m.sock" -o score.T_TAGG=0 >out 2>err
	rc=$? && expect_config_error "score.T_TAGG: no rule \"T_TAGG\" in .*test.rules or built in \\(did you mean score.T_TAG\\?\\)"
'

test_expect_success 'a bad regular expression is refused with its FILE:LINE by -t and by the daemon at start' '
	cp "$TEST_DATA/test.rules" regex.rules &&
	echo "T_BROKEN  body  1  /(unclosed/  a pattern that does not compile" >>regex.rules &&
	n=$(wc -l <regex.rules) &&
	check -o rules_file="$TRASH/regex.rules" &&
	expect_config_error "rules: .*regex.rules:$n: bad pattern" || return 1
	# The daemon binds its socket as root, drops privileges, then builds the
	# engine (as the user a reload runs as): it exits at that point.
	"$LW_MILTER" -f -o rules_file="$TRASH/regex.rules" -o quarantine_dir="$TRASH/q" \
		-p "unix:$TRASH/regex.sock" >out 2>err &
	pid=$! &&
	{ wait_for not_running $pid || { kill $pid; echo "the daemon served with a bad rule"; false; }; } &&
	{ wait $pid; rc=$?; } && expect_config_error "rules: .*regex.rules:$n: bad pattern"
'

test_expect_success 'a bad feed line and a malformed feed: -t says so with FILE:LINE, as the daemon will' '
	mkdir feeds &&
	printf "evil.example\nnot a domain!\n" >feeds/typo.domain.txt &&
	printf "{\"type\": \"bundle\", \"objects\": [" >feeds/cut.json &&
	chmod -R go-w feeds &&
	check -o feeds_dir="$TRASH/feeds" && test "$rc" = 0 &&
	test_grep "configuration OK" out &&
	test_grep "warning: engine: feed typo: 1 values refused as invalid \\(.*feeds/typo.domain.txt:2: domain: not a domain name" err &&
	test_grep "warning: engine: feed cut not loaded \\(.*feeds/cut.json:1:" err
'

test_expect_success 'a key set twice is a warning naming both lines; the later value wins' '
	printf "tag_score = 3\nreject_score = 20\n# again, further down\ntag_score = 3.5\n" >dup.conf &&
	check -c "$TRASH/dup.conf" && test "$rc" = 0 &&
	test_grep "warning: .*dup.conf:4: \"tag_score\" is already set at .*dup.conf:1; this later value wins" err &&
	test_grep_count = 1 warning err &&
	"$LW_SCAN" -c dup.conf --dump-config >dump && test_grep "^tag_score = 3.5$" dump
'

test_expect_success 'a unix socket in a missing directory is refused' '
	check -p "unix:$TRASH/no-such-dir/m.sock" && expect_config_error "no-such-dir"
'

test_expect_success ROOT 'an unknown -u user is refused by name' '
	check -u no-such-user-lw && expect_config_error "user \"no-such-user-lw\" does not exist"
'

test_expect_success ROOT 'the store is given to the -u user, as the daemon does; a clamav_tmpdir it cannot write is refused' '
	mkdir -p rootq/records tmpd && chmod 755 rootq rootq/records tmpd &&
	check -u nobody -o quarantine_dir="$TRASH/rootq" &&
	test "$rc" = 0 &&
	test_is = nobody "$(stat -c %U rootq/records)" "stat -c %U rootq/records" &&
	check -u nobody -o clamav_tmpdir="$TRASH/tmpd" &&
	expect_config_error "$TRASH/tmpd: not writable by nobody: Permission denied"
'

test_expect_success ROOT 'a hits spool on a read-only mount is refused, naming the directory' '
	mkdir -p ro/spool &&
	unshare -m sh -c "mount --bind ro ro && mount -o remount,bind,ro ro &&
		\"$LW_MILTER\" -t -o rules_file=\"$TEST_DATA/test.rules\" -o quarantine_dir=\"$TRASH/q\" \
			-p inet:10025@127.0.0.1 -o redis_server=127.0.0.1:1 -o spool_dir=\"$TRASH/ro/spool\"" >out 2>err
	rc=$? && expect_config_error "$TRASH/ro/spool: not writable by .*: Read-only file system"
'

test_expect_success ROOT 'a store path through a symbolic link is refused, not followed' '
	mkdir elsewhere && ln -s elsewhere link &&
	check -o quarantine_dir="$TRASH/link/q" &&
	expect_config_error "link/q: a symbolic link or not a directory: refused, not followed" &&
	test ! -e elsewhere/q
'

test_expect_success ROOT 'a records link planted by the milter user is refused at start, and nothing is chowned' '
	mkdir -p planted/q victim && ln -s "$TRASH/victim" planted/q/records &&
	check -u nobody -o quarantine_dir="$TRASH/planted/q" &&
	expect_config_error "planted/q/records: a symbolic link or not a directory: refused, not followed" &&
	test_is = root "$(stat -c %U victim)" "stat -c %U victim"
'

test_expect_success ROOT 'a store directory another user made is not given to the -u user' '
	mkdir -p other/q/records && chown daemon other/q/records &&
	check -u nobody -o quarantine_dir="$TRASH/other/q" &&
	expect_config_error "other/q/records: owned by uid [0-9]*, neither root nor nobody: not given to nobody" &&
	test_is = daemon "$(stat -c %U other/q/records)" "stat -c %U other/q/records"
'

test_done
