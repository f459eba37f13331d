#!/bin/sh
test_description='Debian'\''s chrooted smtpd: the milter socket under the queue directory, or inet on loopback'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

# Debian's master.cf runs smtpd with chroot = y in queue_directory
# (/var/spool/postfix): /run/lurewatch is not there. The private Postfix
# does the same in $PF/queue; the milter listens in $PF/queue/lurewatch,
# a directory of the milter's user with group postfix (mode 0750), and
# smtpd names the socket relative to the queue directory, as Postfix
# resolves it from inside the chroot and out.
test_have_prereq ROOT || test_skip_all "a chrooted smtpd needs root (chroot(2))"
milter_postfix_init
CONF=$TRASH/lurewatch.conf
echo "rules_file = $TEST_DATA/test.rules" >"$CONF" && chmod 644 "$CONF"
SOCKDIR=$PF/queue/lurewatch

pf_main() { /usr/sbin/postconf -c "$PF/etc" -e "$@" && /usr/sbin/postfix -c "$PF/etc" reload 2>/dev/null; }
smtpd_pids() { pgrep -f "^smtpd -n 127.0.0.1:$SPORT " ; }

test_expect_success 'a private Postfix whose smtpd is chrooted, the milter socket in the queue directory' '
	postfix_setup "$PF" $SPORT unix:lurewatch/milter.sock &&
	sed -i "s/^\(127\.0\.0\.1:$SPORT *inet *n *- *\)n /\1y /" "$PF/etc/master.cf" &&
	test_grep "^127\.0\.0\.1:$SPORT +inet +n +- +y +- +- +smtpd$" "$PF/etc/master.cf" &&
	mkdir -p "$SOCKDIR" && chown nobody:postfix "$SOCKDIR" && chmod 750 "$SOCKDIR" &&
	milter_start milter -c "$CONF" -u nobody -o socket_mode=0666 -p "unix:$SOCKDIR/milter.sock" &&
	postfix_start "$PF"
'

test_expect_success 'mail flows through the chrooted smtpd and is scanned' '
	postfix_send "$PF" "$TEST_DATA/clean.eml" >out &&
	postfix_wait_delivered "$PF" 1 &&
	f=$(postfix_delivered "$PF" | tail -1) &&
	test_grep "^X-Lurewatch-Verdict: accept ref=" "$f" &&
	test_must_fail postfix_send "$PF" "$TEST_DATA/reject.eml" >out 2>&1 &&
	test_grep "550 5.7.1 Message rejected as malicious" out
'

test_expect_success 'that smtpd really runs in the chroot: its root is the queue directory' '
	pids=$(smtpd_pids) && test -n "$pids" &&
	for p in $pids; do
		test "$(readlink /proc/$p/root)" = "$(cd "$PF/queue" && pwd -P)" || {
			echo "smtpd $p has root $(readlink /proc/$p/root)" >&2; return 1; }
	done
'

test_expect_success 'the socket path as the milter sees it is not reachable from the chroot: 451, nothing lost' '
	pf_main "smtpd_milters = unix:$SOCKDIR/milter.sock" &&
	wait_for sh -c "! pgrep -f \"^smtpd -n 127.0.0.1:$SPORT \" >/dev/null" &&
	test_must_fail postfix_send "$PF" "$TEST_DATA/clean.eml" >out 2>&1 &&
	test_grep "451 4.7.1" out &&
	wait_for_lines "$PF/maillog" "connect to Milter service unix:$SOCKDIR/milter.sock: No such file or directory" 1
'

test_expect_success 'inet on loopback reaches the milter from the chroot too' '
	milter_stop &&
	milter_start inet -c "$CONF" -u nobody -p inet:$MPORT@127.0.0.1 &&
	pf_main "smtpd_milters = inet:127.0.0.1:$MPORT" &&
	wait_for sh -c "! pgrep -f \"^smtpd -n 127.0.0.1:$SPORT \" >/dev/null" &&
	test_must_fail postfix_send "$PF" "$TEST_DATA/reject.eml" >out 2>&1 &&
	test_grep "550 5.7.1 Message rejected as malicious" out &&
	p=$(smtpd_pids | head -1) && test -n "$p" &&
	test "$(readlink /proc/$p/root)" = "$(cd "$PF/queue" && pwd -P)"
'

test_done
