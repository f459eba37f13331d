#!/bin/sh
test_description='every tool: --version, usage errors exit 64, configuration errors 78, --help lists every command'
. "$(dirname "$0")/test-lib.sh"

VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")

# status CMD...: run CMD, its exit status in $rc, output in out and err
status() { "$@" >out 2>err; rc=$?; }
expect_status() { # expect_status N WHAT
	test "$rc" = "$1" || { echo "$2: expected exit $1, got $rc" >&2; cat out err >&2; return 1; }
}

test_expect_success 'each tool prints configure'\''s version with --version and exits 0' '
	test -n "$VERSION" &&
	for tool in "$LW_SCAN" "$LW_MILTER" "$LW_REPORT" "$LW_IOC" "$LW_REVIEW"; do
		status "$tool" --version && expect_status 0 "$tool --version" &&
		test_grep "^$(basename "$tool") \(lurewatch\) $VERSION$" out || return 1
	done
'

test_expect_success 'an unknown option is a usage error (64) in each tool' '
	for tool in "$LW_SCAN" "$LW_MILTER" "$LW_REPORT" "$LW_IOC" "$LW_REVIEW"; do
		status "$tool" --no-such-option && expect_status 64 "$tool --no-such-option" &&
		test_grep "Unknown option --no-such-option" err || return 1
	done
'

test_expect_success 'a missing command or argument is a usage error (64)' '
	status "$LW_SCAN" -o rules_file="$TEST_DATA/test.rules" && expect_status 64 "scan without input" &&
	status "$LW_MILTER" -t extra && expect_status 64 "milter with an argument" &&
	status "$LW_IOC" && expect_status 64 "ioc without a command" &&
	status "$LW_IOC" frobnicate && expect_status 64 "ioc with an unknown command" &&
	status "$LW_IOC" correlate && expect_status 64 "correlate without files" &&
	status "$LW_REPORT" release && expect_status 64 "report release without a queue id" &&
	status "$LW_REVIEW" -t extra && expect_status 64 "review service with an argument"
'

test_expect_success 'lurewatch-report without a command prints its usage and mails nothing' '
	status "$LW_REPORT" -o quarantine_dir="$TRASH/q" -o report_sendmail=/bin/false &&
	expect_status 64 "report without a command" &&
	test_grep "^usage: lurewatch-report .*digest \[--stdout\] \| list .*\| release QUEUEID... \| delete QUEUEID..." err &&
	test ! -e q
'

test_expect_success 'a bad configuration is 78 (EX_CONFIG) in each tool' '
	printf "no_such_key = 1\n" >bad.conf &&
	status "$LW_SCAN" -c bad.conf "$TEST_DATA/clean.eml" && expect_status 78 scan &&
	status "$LW_MILTER" -t -c bad.conf && expect_status 78 milter &&
	status "$LW_REPORT" -c bad.conf list && expect_status 78 report &&
	status "$LW_REVIEW" -c bad.conf -t && expect_status 78 "review service" &&
	status "$LW_IOC" -c bad.conf load && expect_status 78 "ioc load" &&
	status "$LW_IOC" export -c bad.conf && expect_status 78 "ioc export" &&
	test_grep "bad.conf:1: unknown key" err
'

test_expect_success 'lurewatch-ioc --help lists every command; lurewatch-report --help every command' '
	"$LW_IOC" --help >out &&
	for cmd in load match export correlate; do
		test_grep "^  $cmd " out || return 1
	done &&
	"$LW_REPORT" --help >out &&
	for cmd in digest list release delete; do
		test_grep "^  $cmd " out || return 1
	done
'

test_expect_success 'usage lines are in the locale'\''s character set, not "[OPTION?]"' '
	LC_ALL=C.UTF-8 "$LW_SCAN" --help >out &&
	test_grep "lurewatch-scan \[OPTION…\]" out
'

test_done
