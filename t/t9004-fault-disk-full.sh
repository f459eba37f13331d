#!/bin/sh
# t9004-fault-disk-full.sh - the milter's directories on a full filesystem, then space returns
test_description='faults: quarantine store, hits spool and ClamAV temporary directory on a full
filesystem (a 256 KB tmpfs mounted by the test); mail still delivered, held or rejected per
policy, each failure logged and counted, no crash, and recovery once space returns'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"
. "$top_srcdir/t/lib-fault.sh"

postfix_require_or_skip
test_have_prereq PYTHON || test_skip_all "python3 is needed"
FULL=$TRASH/full
mkdir "$FULL" && mount -t tmpfs -o size=256k,mode=0755 lw-t9004 "$FULL" 2>/dev/null ||
	test_skip_all "cannot mount a tmpfs here"
test_at_exit 'umount "$FULL"'

PF=$TRASH/pf
MPORT=$(free_port)
SPORT=$(free_port)
N=20
test_at_exit 'milter_stop; postfix_stop "$PF"'

att_mail() { # att_mail FILE K: a Word attachment ClamAV must unpack, Message-ID <att-K@example.org>
	"$PYTHON" "$top_srcdir/t/mkattach.py" clean "$1.tmp" &&
	sed "s/^Message-ID: <clamav-test@example.org>/Message-ID: <att-$2@example.org>/" "$1.tmp" >"$1" &&
	rm "$1.tmp"
}

scored() { # scored DIR: how many mails of DIR the test rules score
	grep -l -E "QUARANTINE-ME|LUREWATCH-TEST-REJECT|TAG-ME" "$1"/*.eml | wc -l
}

spool_has() { # spool_has N: the hits spool holds N lines
	test "$(wc -l <"$FULL/spool/hits.spool")" -ge "$1"
}

batch() { # batch PREFIX: N counted mails sent, accounted exactly into PREFIX.fates
	fault_mails "$1" $N "$1" 20 &&
	fault_send $SPORT "$1" 4 >"$1.out" && cat "$1.out" &&
	test_grep "^sent $((N - N / 10)) rejected $((N / 10)) failed 0 retries 0 " "$1.out" &&
	postfix_wait_idle "$PF" && fault_settle "$PF" "$1" $N &&
	fault_account "$PF" "$1" $N "" "$MILTER_LOG" >"$1.fates" && cat "$1.fates" &&
	echo "$(fault_expect $N) missing 0 duplicated 0 tempfailed 0" >expect &&
	echo "milter $(fault_expect $N) missing 0 tempfailed 0" >>expect &&
	test_cmp expect "$1.fates"
}

test_expect_success 'start the milter writing only to the small filesystem (Redis down: hits go to the spool)' '
	mkdir -m 0700 "$FULL/tmp" &&
	milter_start milter -o rules_file="$TEST_DATA/test.rules" \
		-o clamav_db="$top_srcdir/contrib/signatures" \
		-o quarantine_dir="$FULL/quarantine" -o spool_dir="$FULL/spool" \
		-o clamav_tmpdir="$FULL/tmp" -o redis_server=127.0.0.1:$(free_port) \
		-p inet:$MPORT@127.0.0.1 &&
	test -e "$FULL/spool/hits.spool" &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT &&
	postfix_start "$PF"
'

test_expect_success 'the filesystem filled up' '
	test_must_fail dd if=/dev/zero of="$FULL/fill" bs=4k 2>dd.err &&
	test_grep "No space left on device" dd.err
'

test_expect_success "disk full: $N counted mails delivered, held or rejected as scored; attachments held unscanned" '
	batch jam &&
	att_mail att-1.eml 1 && postfix_send "$PF" att-1.eml >/dev/null &&
	postfix_wait_idle "$PF" &&
	test_grep "msgid=<att-1@example.org>.* verdict=quarantine .*LW_ATT_SCAN_INCOMPLETE" "$MILTER_LOG" &&
	kill -0 $MILTER_PID
'

test_expect_success 'each failure is logged clearly: held-but-unrecorded per message, the spool once' '
	milter_log_is "held, but not recorded for review: .*No space left on device" $((N / 10 + 1)) &&
	wait_for grep -q "hits spool .* unwritable (No space left on device)" "$MILTER_LOG" &&
	milter_log_is "hits spool .* unwritable" 1 &&
	test ! -s "$FULL/spool/hits.spool" &&
	ls "$FULL/quarantine/records" >records && test_line_count = 0 records
'

test_expect_success 'space returns: the next mails are recorded and spooled again, attachments scanned' '
	rm "$FULL/fill" &&
	batch after &&
	att_mail att-2.eml 2 && postfix_send "$PF" att-2.eml >/dev/null &&
	postfix_wait_idle "$PF" &&
	test_grep "msgid=<att-2@example.org>.* verdict=accept " "$MILTER_LOG" &&
	ls "$FULL/quarantine/records" >records && test_line_count = $((N / 10)) records &&
	wait_for grep -q "hits spool .* writable again" "$MILTER_LOG" &&
	wait_for spool_has $(scored after) &&
	test_grep_count = $(scored after) "after-" "$FULL/spool/hits.spool" &&
	"$PYTHON" -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$FULL/spool/hits.spool"
'

test_expect_success 'the counters agree, and the milter stops cleanly' '
	milter_stop &&
	grep "stats: " "$MILTER_LOG" | tail -1 >stats && cat stats &&
	test_grep "stats: messages=$((2 * N + 2)) .* failures=0 .* quarantine_unrecorded=$((N / 10 + 1))" stats &&
	grep "hits: " "$MILTER_LOG" | tail -1 >hits && cat hits &&
	test_grep "spooled=$(scored after) .*spool_errors=$(($(scored jam) + 1))" hits
'

test_done
