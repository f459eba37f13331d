# lib-milter.sh - start and stop lurewatch-milter for tests
#
# milter_start NAME ARGS...   run lurewatch-milter -f -o quarantine_dir=$TRASH/quarantine ARGS in the background,
#                             logging to $TRASH/NAME.log; waits until it
#                             logs "started"; sets MILTER_PID
# milter_stop                 SIGTERM and wait; returns the exit status
# milter_log_count PATTERN    lines of the current log matching PATTERN
# milter_log_is PATTERN N     exactly N lines match (if not, says how many, and shows them)
# milter_signal_while PID SIG send SIG to the milter every 0.1 s while process PID
#                             (a child of the test) runs; sets MILTER_SIGNALS_SENT
# MILTER_WRAPPER              words put before the milter (valgrind ...); same pid
#
# One milter behind one private Postfix (needs lib-postfix.sh):
# milter_postfix_init         skip without Postfix; set PF (its directory), MPORT
#                             (the milter's port) and SPORT (Postfix's SMTP port);
#                             stop both when the test exits
# milter_postfix_start [-m MAIN.CF-LINE] ARGS...
#                             start lurewatch-milter ARGS on inet:$MPORT@127.0.0.1
#                             (when another process took MPORT first, on a new
#                             free_port: MPORT changes), then Postfix on $SPORT
#                             using it (one more main.cf line)

milter_start() {
	MILTER_NAME=$1; shift
	MILTER_LOG=$TRASH/$MILTER_NAME.log
	: >"$MILTER_LOG"
	# held mail is recorded under the test's directory, never /var/spool (a later -o wins)
	$MILTER_WRAPPER "$LW_MILTER" -f -o quarantine_dir="$TRASH/quarantine" "$@" >>"$MILTER_LOG" 2>&1 &
	MILTER_PID=$!
	wait_started "$MILTER_PID" grep -q "started:" "$MILTER_LOG" || {
		echo "milter_start: no \"started:\" from lurewatch-milter (pid $MILTER_PID); its log:" >&2
		cat "$MILTER_LOG" >&2
		return 1
	}
}

milter_stop() {
	[ -n "$MILTER_PID" ] || return 0
	kill -TERM "$MILTER_PID" 2>/dev/null
	wait "$MILTER_PID"
	local rc=$?
	MILTER_PID=
	return $rc
}

milter_log_count() {
	grep -c -E -- "$1" "$MILTER_LOG"
}

milter_log_is() {
	test_grep_count = "$2" "$1" "$MILTER_LOG"
}

milter_signal_while() {
	MILTER_SIGNALS_SENT=0
	while kill -0 "$1" 2>/dev/null; do
		kill -"$2" "$MILTER_PID" && MILTER_SIGNALS_SENT=$((MILTER_SIGNALS_SENT + 1))
		sleep 0.1
	done
}

milter_postfix_init() {
	postfix_require_or_skip
	PF=$TRASH/pf
	MPORT=$(free_port)
	SPORT=$(free_port)
	test_at_exit 'milter_stop; postfix_stop "$PF"'
}

milter_postfix_start() {
	local main=
	if [ "$1" = -m ]; then
		main=$2
		shift 2
	fi
	milter_start_on_free_port_ "$@" &&
	postfix_setup "$PF" $SPORT inet:127.0.0.1:$MPORT "$main" &&
	postfix_start "$PF"
}

# milter_start_on_free_port_ ARGS...: the milter on inet:$MPORT, or on another
# free port when that one is taken (up to five ports)
milter_start_on_free_port_() {
	local tries=5
	until milter_start milter "$@" -p inet:$MPORT@127.0.0.1; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] && grep -q "cannot open milter socket" "$MILTER_LOG" || return 1
		MPORT=$(free_port) || return 1
		echo "milter_postfix_start: port taken, the milter tries $MPORT" >&2
	done
}
