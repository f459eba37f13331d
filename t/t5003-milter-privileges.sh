#!/bin/sh
test_description='lurewatch-milter security: privileges dropped for good, socket owner and mode, no shell'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

test_have_prereq ROOT || test_skip_all "dropping privileges needs root"

SOCK=$TRASH/milter.sock
CONF=$TRASH/lurewatch.conf
echo "rules_file = $TEST_DATA/test.rules" >"$CONF"
chmod 644 "$CONF"
NOBODY_UID=$(id -u nobody) NOBODY_GID=$(id -g nobody)
test_at_exit 'milter_stop; postfix_stop "$TRASH/pf"'

# status_ids FIELD: the four ids of /proc/PID/status line FIELD (Uid or Gid)
status_ids() {
	sed -n "s/^$1:[[:space:]]*//p" /proc/$MILTER_PID/status | tr -s '\t ' ' '
}

test_expect_success 'with -u nobody, real, effective, saved and filesystem uid and gid are nobody' '
	milter_start priv -c "$CONF" -u nobody -o socket_mode=0660 -p unix:$SOCK &&
	test_is = "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" "$(status_ids Uid)" "status_ids Uid" &&
	test_is = "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID" "$(status_ids Gid)" "status_ids Gid" &&
	test_is = nobody "$(ps -o user= -p $MILTER_PID)" "ps -o user= -p $MILTER_PID"
'

test_expect_success 'supplementary groups are those of nobody, not root'"'"'s' '
	groups=$(sed -n "s/^Groups:[[:space:]]*//p" /proc/$MILTER_PID/status | tr -s " \t" " " | sed "s/ *$//") &&
	want=$(id -G nobody | tr " " "\n" | sort -n | tr "\n" " " | sed "s/ *$//") &&
	got=$(echo $groups | tr " " "\n" | sort -n | tr "\n" " " | sed "s/ *$//") &&
	test "$got" = "$want"
'

test_expect_success 'the socket was bound as root, then given to nobody with socket_mode' '
	test_is = "nobody 660" "$(stat -c "%U %a" "$SOCK")" "stat -c %U %a $SOCK"
'

test_expect_success 'capabilities are gone (CapEff and CapPrm are zero)' '
	test_is = 0000000000000000 "$(sed -n "s/^CapEff:[[:space:]]*//p" /proc/$MILTER_PID/status)" "sed -n s/^CapEff:[[:space:]]*//p /proc/$MILTER_PID/status" &&
	test_is = 0000000000000000 "$(sed -n "s/^CapPrm:[[:space:]]*//p" /proc/$MILTER_PID/status)" "sed -n s/^CapPrm:[[:space:]]*//p /proc/$MILTER_PID/status"
'

test_expect_success POSTFIX 'as nobody it still scans mail from Postfix, and reloads' '
	command -v swaks >/dev/null &&
	chmod 666 "$SOCK" &&
	postfix_setup "$TRASH/pf" $(free_port) unix:$SOCK && postfix_start "$TRASH/pf" &&
	test_must_fail postfix_send "$TRASH/pf" "$TEST_DATA/reject.eml" >out 2>&1 &&
	test_grep "550 5.7.1" out &&
	kill -USR1 $MILTER_PID &&
	wait_for grep -q "reload: new engine in service" "$MILTER_LOG"
'

test_expect_success 'an unknown user is refused with EX_OSERR before serving' '
	milter_stop &&
	"$LW_MILTER" -f -c "$CONF" -u no-such-user-lw -p unix:$TRASH/other.sock >out 2>&1; test $? = 71 &&
	test_grep "unknown user \"no-such-user-lw\"" out
'

# The engine is built after privileges are dropped, so it reads what a
# reload will read, with the same rights: a file only root can read is an
# error at start-up, not a surprise at the first reload.

# start_as_nobody ARGS...: the daemon as nobody in the foreground; exit status in $rc, output in out
start_as_nobody() {
	"$LW_MILTER" -f -u nobody -o quarantine_dir="$TRASH/q" -o clamav=no -p unix:$TRASH/other.sock "$@" >out 2>&1
	rc=$?
}

test_expect_success 'a rules file only root can read stops the start (78, naming it), as -t says' '
	cp "$TEST_DATA/test.rules" root-only.rules && chmod 600 root-only.rules &&
	start_as_nobody -o rules_file="$TRASH/root-only.rules" &&
	{ test $rc = 78 || { echo "expected exit 78, got $rc"; cat out; false; }; } &&
	test_grep "root-only.rules.*Permission denied" out &&
	test_grep -v "started:" out &&
	"$LW_MILTER" -t -u nobody -o quarantine_dir="$TRASH/q" -o rules_file="$TRASH/root-only.rules" \
		-p unix:$TRASH/other.sock >out 2>&1; test $? = 78 &&
	test_grep "root-only.rules.*Permission denied" out
'

test_expect_success 'a signature directory only root can read is refused at start, not loaded empty' '
	mkdir root-sigs && cp "$top_srcdir"/contrib/signatures/* root-sigs/ && chmod 700 root-sigs &&
	start_as_nobody -o rules_file="$TEST_DATA/test.rules" -o clamav=yes -o clamav_db="$TRASH/root-sigs" &&
	{ test $rc = 78 || { echo "expected exit 78, got $rc"; cat out; false; }; } &&
	test_grep "clamav_db: .*root-sigs.*Permission denied" out
'

test_expect_success 'a configuration file only root can read is refused at start (a reload reads it as nobody)' '
	cp "$CONF" root-only.conf && chmod 600 root-only.conf &&
	start_as_nobody -c "$TRASH/root-only.conf" &&
	{ test $rc = 78 || { echo "expected exit 78, got $rc"; cat out; false; }; } &&
	test_grep "root-only.conf.*Permission denied" out
'

test_expect_success 'the same files readable by nobody: it starts, and a reload succeeds' '
	chmod 644 root-only.rules && chmod 755 root-sigs && chmod 644 root-only.conf &&
	echo "rules_file = $TRASH/root-only.rules" >>root-only.conf &&
	echo "clamav_db = $TRASH/root-sigs" >>root-only.conf &&
	milter_start readable -c "$TRASH/root-only.conf" -u nobody -p unix:$TRASH/other.sock &&
	kill -USR1 $MILTER_PID &&
	wait_for grep -q "reload: new engine in service" "$MILTER_LOG" &&
	milter_stop
'

test_expect_success 'no message data reaches a shell: no system/popen/exec in the milter and core' '
	ls "$top_srcdir"/analyzers/*.c "$top_srcdir"/analyzers/*/*.c "$top_srcdir"/milter/*.c "$top_srcdir"/ioc/*.c "$top_srcdir"/review/*.c "$top_srcdir"/scan/*.c |
		grep -v "/review/actions.c$" >sources &&
	test_must_fail grep -nE "(^|[^_a-z])(system|popen|execl|execlp|execle|execv|execvp|execve|posix_spawnp?)[[:space:]]*\(" \
		$(cat sources)
'

# lurewatch-report and lurewatch-review run sendmail, postsuper, postqueue
# and postcat for the reviewer through review/actions.c (lw_run): by
# absolute path with execv and a fixed argument vector, never through a shell.
test_expect_success 'the review tools run their commands with execv only, never through a shell' '
	test_must_fail grep -nE "(^|[^_a-z])(system|popen|execl|execlp|execle|execvp|execve|posix_spawnp?)[[:space:]]*\(" \
		"$top_srcdir"/review/actions.c "$top_srcdir"/review/lurewatch-report.c "$top_srcdir"/review/service/*.c &&
	test_must_fail grep -n "/bin/sh" "$top_srcdir"/review/actions.c "$top_srcdir"/review/service/*.c
'

test_expect_success 'the generated systemd unit keeps its hardening options and can write what the milter writes' '
	unit=$top_builddir/contrib/systemd/lurewatch-milter.service &&
	for o in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
		RestrictAddressFamilies= CapabilityBoundingSet= SystemCallFilter=@system-service \
		RuntimeDirectory=lurewatch StateDirectory=lurewatch Group=lurewatch \
		"ReadWritePaths=/run/lurewatch /var/lib/lurewatch /var/spool/lurewatch" \
		"ExecReload=/bin/kill -HUP \$MAINPID"; do
		grep -q "^$o" "$unit" || { echo "missing $o in $unit"; return 1; }
	done &&
	test_grep -v "@[a-z]*dir@" "$unit"
'

test_expect_success 'the review service unit is sandboxed like the milter, writing only the queues and the feeds, serving as lurewatch' '
	unit=$top_builddir/contrib/systemd/lurewatch-review.service &&
	for o in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
		RestrictAddressFamilies= CapabilityBoundingSet= SystemCallFilter=@system-service \
		MemoryDenyWriteExecute=yes IPAddressDeny=any \
		"ReadWritePaths=/var/spool/postfix /var/spool/lurewatch /var/lib/lurewatch /.*/lurewatch/feeds$" \
		"ExecStartPre=/.*/lurewatch-review -t " "ExecStart=/.*/lurewatch-review -f .* -u lurewatch$" \
		User=root Group=lurewatch; do
		grep -q "^$o" "$unit" || { echo "missing $o in $unit"; return 1; }
	done &&
	test_grep -v "@[a-z]*dir@" "$unit"
'

test_expect_success 'every unit names its binary where configure put it (sbindir, bindir)' '
	exec_of() { sed -n "s/^ExecStart=\([^ ]*\) .*/\1/p" "$top_builddir/contrib/$1"; } &&
	milter=$(exec_of systemd/lurewatch-milter.service) &&
	report=$(exec_of systemd/lurewatch-report.service) &&
	review=$(exec_of systemd/lurewatch-review.service) &&
	export=$(exec_of export/lurewatch-ioc-export.service) &&
	printf "include Makefile\nprint-dirs:\n\t@echo \$(sbindir) \$(bindir)\n" >print.mk &&
	set -- $(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top_builddir" -f "$TRASH/print.mk" print-dirs) &&
	test "$milter" = "$1/lurewatch-milter" &&
	test "$report" = "$1/lurewatch-report" &&
	test "$review" = "$1/lurewatch-review" &&
	test "$export" = "$2/lurewatch-ioc" &&
	test_grep "^[^#].* $2/lurewatch-ioc export" "$top_builddir/contrib/export/lurewatch-ioc-export.cron" ||
	{ echo "milter unit: $milter, report unit: $report, export unit: $export; sbindir, bindir: $*"; false; }
'

test_expect_success 'systemd-analyze verify accepts every unit make install installs, with this build'\''s binaries' '
	if ! command -v systemd-analyze >/dev/null; then
		say "no systemd-analyze: the units are not verified"
	else
		for u in contrib/systemd/lurewatch-milter.service contrib/systemd/lurewatch-report.service \
			contrib/systemd/lurewatch-review.service contrib/systemd/lurewatch-report-apply.service \
			contrib/systemd/lurewatch-report.timer contrib/systemd/lurewatch-report-apply.timer \
			contrib/export/lurewatch-ioc-export.service \
			contrib/export/lurewatch-ioc-export.timer; do
			src=$top_builddir/$u &&
			{ test -f "$src" || src=$top_srcdir/$u; } &&
			sed -e "s|^\(Exec[A-Za-z]*=[-+]*\)[^ ]*/lurewatch-milter|\1$LW_MILTER|" \
				-e "s|^\(Exec[A-Za-z]*=[-+]*\)[^ ]*/lurewatch-report|\1$LW_REPORT|" \
				-e "s|^\(Exec[A-Za-z]*=[-+]*\)[^ ]*/lurewatch-review|\1$LW_REVIEW|" \
				-e "s|^\(Exec[A-Za-z]*=[-+]*\)[^ ]*/lurewatch-ioc|\1$LW_IOC|" "$src" >"${u##*/}" ||
			return 1
		done &&
		systemd-analyze verify ./lurewatch-*.service ./lurewatch-*.timer >verify.out 2>&1 &&
		{ test ! -s verify.out || { cat verify.out; false; }; }
	fi
'

test_done
