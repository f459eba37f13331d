#!/bin/sh
test_description='lurewatch-milter under valgrind memcheck (or ASan) for a run of mail through Postfix: no error, no leak'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

# The run: the test mails, 40 generated mails of the benchmark mix (text,
# HTML, multipart, attachments), and the first $LW_VALGRIND_SHARED (default
# 60) mails of each shared corpus directory when present. Every mail goes
# through Postfix into the milter; tags, holds and rejects all happen. Then
# SIGTERM, and memcheck must report no error and nothing definitely or
# indirectly lost (--error-exitcode makes either fail the stop).
# Possibly-lost blocks are libmilter's worker thread stacks, still-reachable
# ones GLib's type system: neither is a leak that grows with mail.
# rules_jit = no: memcheck cannot follow PCRE2's JIT code (its vector reads
# past the end of a string are safe by construction but look invalid).
postfix_require_or_skip
# A sanitizer build (contrib/run-sanitizers) cannot run under valgrind; it
# checks itself: then the milter runs bare and takes ALL of the shared corpus
# (the torture run), and any ASan/LSan/UBSan report fails the stop.
if ldd "$LW_MILTER" | grep -q -e libasan -e libubsan; then
	MODE=asan SHARED_N=${LW_VALGRIND_SHARED:-1000000}
else
	command -v valgrind >/dev/null || test_skip_all "valgrind is not installed"
	MODE=valgrind SHARED_N=${LW_VALGRIND_SHARED:-60}
fi

PF=$TRASH/pf SOCK=$TRASH/milter.sock
CONF=$TRASH/lurewatch.conf
cat >"$CONF" <<EOF
rules_file = $TEST_DATA/test.rules
rules_jit = no
subject_prefix = "[SUSPICIOUS] "
EOF
test_at_exit 'milter_stop; postfix_stop "$PF"'

test_expect_success "start the milter ($MODE) and Postfix" '
	if [ $MODE = asan ]; then
		: >vg.out && milter_start vg -c "$CONF" -o socket_mode=0666 -p unix:$SOCK
	else
	MILTER_WRAPPER="valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \
		--num-callers=30 --log-file=$TRASH/vg.out --suppressions=$top_srcdir/t/valgrind.supp" &&
	milter_start vg -c "$CONF" -o socket_mode=0666 -p unix:$SOCK &&
	MILTER_WRAPPER=
	fi &&
	postfix_setup "$PF" $(free_port) unix:$SOCK "milter_content_timeout = 600s" &&
	postfix_start "$PF"
'

test_expect_success 'send the run: test mails, generated mix, shared corpus sample' '
	ls "$TEST_DATA"/*.eml "$top_srcdir"/contrib/samples/*.eml >list &&
	"$PYTHON" "$top_srcdir/contrib/bench/gen-corpus" gen 40 7 >/dev/null &&
	ls gen/*.eml >>list &&
	if test_have_prereq SHARED; then
		for d in "$SHARED"/corpus/phish "$SHARED"/corpus/ham/easy "$SHARED"/corpus/ham/hard; do
			find "$d" -type f | sort | head -n $SHARED_N
		done >>list
	fi &&
	n=$(wc -l <list) && echo "$n mails" &&
	"$PYTHON" "$top_srcdir/contrib/bench/smtp-send" $(postfix_port "$PF") list 4 >send.out &&
	cat send.out &&
	sent=$(cut -d" " -f2 send.out) rejected=$(cut -d" " -f4 send.out) &&
	test_is = $n $((sent + rejected)) "mails sent + rejected" &&
	test_grep " failed 0 " send.out &&
	milter_log_is " verdict=" $n &&
	milter_log_is "verdict=failure" 0
'

test_expect_success 'a reload frees the old engine' '
	kill -USR1 $MILTER_PID &&
	wait_for grep -q "reload: new engine in service" "$MILTER_LOG"
'

test_expect_success 'after SIGTERM no error and no leak is reported' '
	postfix_stop "$PF" &&
	{ milter_stop; rc=$?; } &&
	if [ $MODE = asan ]; then
		test $rc = 0 && test_grep -v "Sanitizer|runtime error" "$MILTER_LOG"
	else
	grep -E "ERROR SUMMARY|definitely lost|indirectly lost" vg.out &&
	test_grep "ERROR SUMMARY: 0 errors" vg.out && test $rc = 0 || {
		grep -v -e "^==[0-9]*== *$" vg.out | sed -n "/Memcheck, a memory/,\$p" | grep -A25 -E "== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in)" | cut -c1-120 | head -150
		false
	}
	fi
'

test_done
