# test-lib.sh - shared helpers for lurewatch's shell tests (git t/ style, TAP output)
#
# A test script sets test_description, sources this file, declares tests
# with test_expect_success 'title' 'commands' and ends with test_done.
# Each test body is eval'd in this shell inside $TRASH (a fresh directory
# per script); failures propagate through the &&-chain as in git.
#
#   test_expect_success [PREREQ] TITLE BODY   pass when BODY exits 0
#   test_expect_failure ...                   known breakage (TODO)
#   test_skip_all REASON                      skip the whole script
#   test_must_fail CMD...                     CMD exits non-zero, not by a signal
#   test_exit_in CODES CMD...                 CMD exits with one of CODES, not by a signal
#   test_cmp EXPECT ACTUAL                    diff -u
#   test_grep [-v] PATTERN FILE               a line matches (-v: no line matches)
#   test_is OP WANT GOT WHAT                  GOT (the value of WHAT) OP WANT, as test(1)
#                                             compares (= != -eq -ge -gt -le -lt)
#   test_line_count OP N FILE                 FILE has N lines (OP as above)
#   test_grep_count OP N PATTERN FILE         N lines of FILE match PATTERN
#                                             (these three say what was expected and what came)
#   test_json_field FILE FIELD                value of a top-level JSON field
#   test_json_is FILE FIELD WANT [LINE]       that value is WANT (says what came if not)
#   test_one_verdict FILE                     one line, one JSON object
#   test_set_prereq NAME / prereqs: ROOT POSTFIX REDIS SHARED PYTHON
#   wait_for CMD... / wait_for_lines FILE PATTERN N / wait_started PID CMD...
#                                             poll until true (see LW_TEST_WAIT below)
#
# Variables from the build: top_srcdir, top_builddir, LW_SCAN, LW_MILTER, LW_IOC.
# SHARED is ../shared beside the source tree (or $LW_SHARED).

test_count=0
test_failed=0
test_prereqs=" "
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${LW_SCAN:=$top_builddir/scan/lurewatch-scan}"
: "${LW_MILTER:=$top_builddir/milter/lurewatch-milter}"
: "${LW_IOC:=$top_builddir/ioc/lurewatch-ioc}"
: "${SHARED:=${LW_SHARED:-$top_srcdir/../shared}}"
TEST_DATA=$top_srcdir/t/data
PYTHON=/usr/bin/python3
export top_srcdir top_builddir LW_SCAN LW_MILTER LW_IOC SHARED TEST_DATA PYTHON

this_test=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/lw-$this_test.XXXXXX")
chmod 755 "$TRASH"
cd "$TRASH" || exit 1

test_cleanup_hooks=
test_at_exit() {
	test_cleanup_hooks="$1; $test_cleanup_hooks"
}
# release_ports_: free_port's reservations of this test, given back at exit
release_ports_() {
	local port
	[ -f "$TRASH/.reserved" ] || return 0
	while read -r port; do
		[ "$(cat "$LW_TEST_PORTS/$port" 2>/dev/null)" = "$$" ] && rm -f "$LW_TEST_PORTS/$port"
	done <"$TRASH/.reserved"
}
trap 'eval "$test_cleanup_hooks"; release_ports_; cd /; rm -rf "$TRASH"' EXIT

say() { echo "# $*"; }

test_set_prereq() { test_prereqs="$test_prereqs$1 "; }
test_have_prereq() {
	for p in $(echo "$1" | tr ',' ' '); do
		case "$test_prereqs" in *" $p "*) ;; *) return 1 ;; esac
	done
}

[ "$(id -u)" = 0 ] && test_set_prereq ROOT
command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] && test_set_prereq POSTFIX
command -v redis-server >/dev/null 2>&1 && test_set_prereq REDIS
[ -d "$SHARED/corpus" ] && test_set_prereq SHARED
[ -x "$PYTHON" ] && test_set_prereq PYTHON

# Bodies run in this shell (as in git), so a test may set variables later tests
# use; as in git, a body must never "exit" (use a prerequisite to skip).
# LW_TEST_VERBOSE=1 traces each body (set -x) into the failure output.
test_run_() {
	if [ -n "${LW_TEST_VERBOSE:-}" ]; then
		set -x
		eval "$1" >"$TRASH/.out" 2>&1
		local rc=$?
		set +x
		return $rc
	fi 2>"$TRASH/.trace"
	eval "$1" >"$TRASH/.out" 2>&1
}

test_report_() {
	# $1 = ok|not ok, $2 = title, $3 = directive
	test_count=$((test_count + 1))
	echo "$1 $test_count - $2$3"
}

test_expect_success() {
	local prereq=
	[ $# = 3 ] && { prereq=$1; shift; }
	if [ -n "$prereq" ] && ! test_have_prereq "$prereq"; then
		test_report_ ok "$1" " # SKIP missing $prereq"
		return
	fi
	if test_run_ "$2"; then
		test_report_ ok "$1" ""
	else
		test_failed=$((test_failed + 1))
		test_report_ "not ok" "$1" ""
		[ -s "$TRASH/.trace" ] && sed 's/^/#   + /' "$TRASH/.trace" | tail -20
		sed 's/^/#   /' "$TRASH/.out" | tail -40
	fi
}

test_expect_failure() {
	local prereq=
	[ $# = 3 ] && { prereq=$1; shift; }
	if test_run_ "$2"; then
		test_report_ ok "$1" " # TODO known breakage vanished"
	else
		test_report_ "not ok" "$1" " # TODO known breakage"
	fi
}

test_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" = 0 ]
}

test_must_fail() {
	"$@"
	local rc=$?
	if [ $rc = 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ $rc -gt 128 ]; then
		echo "test_must_fail: command died by signal $((rc - 128)): $*" >&2
		return 1
	fi
	return 0
}

# test_exit_in CODES CMD...: CMD exits with one of CODES ("0 1"), not by a signal
test_exit_in() {
	local codes=$1 rc
	shift
	"$@"
	rc=$?
	case " $codes " in *" $rc "*) return 0 ;; esac
	if [ $rc -gt 128 ]; then
		echo "test_exit_in: expected exit $codes, died by signal $((rc - 128)): $*" >&2
	else
		echo "test_exit_in: expected exit $codes, got $rc: $*" >&2
	fi
	return 1
}

test_cmp() { diff -u "$@"; }

# test_grep PATTERN FILE: some line matches; test_grep -v PATTERN FILE: no line matches
test_grep() {
	local invert=
	[ "$1" = -v ] && { invert=1; shift; }
	if grep -q -E -- "$1" "$2"; then
		[ -z "$invert" ] && return 0
		echo "test_grep: found /$1/ in $2, which must not have it:" >&2
	else
		[ -n "$invert" ] && return 0
		echo "test_grep: not found /$1/ in $2:" >&2
	fi
	sed 's/^/    /' "$2" | head -40 >&2
	return 1
}

# test_is OP WANT GOT WHAT: GOT, the value of WHAT (words for the failure
# message), compares as "test GOT OP WANT"; if not, say what was expected and
# what came (an empty or non-numeric GOT fails a numeric OP, it does not abort)
test_is() {
	test "$3" "$1" "$2" 2>/dev/null && return 0
	echo "test_is: expected $4 $1 $2, got ${3:-nothing}" >&2
	return 1
}

# test_line_count OP N FILE: FILE's line count OP N; if not, show FILE
test_line_count() {
	if [ ! -f "$3" ]; then
		echo "test_line_count: expected $3 with $1 $2 lines, it is missing" >&2
		return 1
	fi
	test_is "$1" "$2" "$(wc -l <"$3")" "lines in $3" && return 0
	sed 's/^/    /' "$3" | head -40 >&2
	return 1
}

# test_grep_count OP N PATTERN FILE: the count of FILE's lines that match the
# extended regular expression PATTERN OP N; if not, show those lines (or the
# end of FILE when none match)
test_grep_count() {
	local got
	got=$(grep -c -E -- "$3" "$4")
	test_is "$1" "$2" "$got" "lines /$3/ in $4" && return 0
	if [ "${got:-0}" = 0 ]; then
		echo "  none match; $4 ends with:" >&2
		tail -20 "$4" 2>&1 | sed 's/^/    /' >&2
	else
		grep -E -- "$3" "$4" | head -20 | sed 's/^/    /' >&2
	fi
	return 1
}

# test_json_field FILE FIELD [LINE]: a top-level field of the JSON object on LINE (default 1)
test_json_field() {
	"$PYTHON" -c 'import json,sys
o=json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[3])-1])
v=o.get(sys.argv[2])
print(json.dumps(v) if isinstance(v,(list,dict,bool)) or v is None else v)' "$1" "$2" "${3:-1}"
}

# test_json_is FILE FIELD WANT [LINE]: the field is WANT (as test_json_field prints it);
# if not, say what was expected and what came
test_json_is() {
	local got
	got=$(test_json_field "$1" "$2" "${4:-1}") || return 1
	[ "$got" = "$3" ] && return 0
	echo "test_json_is: expected $2 = $3 in line ${4:-1} of $1, got $2 = $got" >&2
	return 1
}

# test_one_verdict FILE: exactly one line, a JSON object (a scan that did not die half-way)
test_one_verdict() {
	local lines
	lines=$(wc -l <"$1")
	if [ "$lines" != 1 ]; then
		echo "test_one_verdict: expected one JSON verdict in $1, got $lines lines" >&2
		return 1
	fi
	"$PYTHON" -c 'import json, sys; json.loads(open(sys.argv[1]).read())' "$1"
}

# test_json_rules FILE [LINE]: the rule ids of the hits, one per line
test_json_rules() {
	"$PYTHON" -c 'import json,sys
o=json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2])-1])
print("\n".join(h["rule"] for h in o.get("hits",[])))' "$1" "${2:-1}"
}

# LW_TEST_WAIT: seconds after which a wait gives up. It guards against a hang
# and is no timing assertion: a loaded machine only waits longer, so it is
# generous. Every wait polls its condition every 0.1 s.
: "${LW_TEST_WAIT:=300}"
export LW_TEST_WAIT

# wait_for CMD...: retry CMD until it succeeds; CMD is run afresh each time, so
# write "wait_for sh -c '...'" or a function for a condition with $(...) in it.
# When it gives up, a last run shows what CMD says on stderr (what came)
wait_for() {
	local i=0 n=$((LW_TEST_WAIT * 10))
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt $n ] && {
			echo "wait_for: still failing after ${LW_TEST_WAIT}s: $*" >&2
			"$@" >/dev/null
			return 1
		}
		sleep 0.1
	done
}

# wait_for_lines FILE PATTERN N: wait until at least N lines of FILE match
# PATTERN (a FILE not there yet has none)
wait_for_lines() {
	local i=0 n=$((LW_TEST_WAIT * 10)) got
	while got=$(grep -c -E -- "$2" "$1" 2>/dev/null); [ "${got:-0}" -lt "$3" ]; do
		i=$((i + 1))
		[ $i -gt $n ] && {
			echo "wait_for_lines: expected at least $3 lines /$2/ in $1 within ${LW_TEST_WAIT}s, got ${got:-0}" >&2
			return 1
		}
		sleep 0.1
	done
}

# wait_started PID CMD...: wait until CMD succeeds, or until the server PID
# has exited (one that failed to start: no use waiting); succeed if CMD does
wait_started() {
	local pid=$1 log
	shift
	wait_for started_or_gone_ "$pid" "$@"
	"$@" >/dev/null 2>&1 && return 0
	kill -0 "$pid" 2>/dev/null || echo "wait_started: process $pid exited before: $*" >&2
	# the check's last word is usually the server's log: say what it said
	eval "log=\${$#}"
	if [ -f "$log" ]; then
		echo "wait_started: the end of $log:" >&2
		tail -n 8 "$log" | sed 's/^/    /' >&2
	fi
	return 1
}

started_or_gone_() {
	local pid=$1
	shift
	"$@" || ! kill -0 "$pid" 2>/dev/null
}

# free_port: a TCP port for a server the test starts, free on 127.0.0.1 and ::1
# when asked. Asking the kernel for one (bind to port 0) races: it may give the
# same port to another test before this one's server binds it. So each test
# process draws from its own block of 64 ports below the kernel's ephemeral
# range (which outgoing connections use), chosen by the test's number and its
# pid (the same test run twice at once gets another block); each call takes the
# next port of the block (a counter in $TRASH), so two servers of one test
# never get the same port, and a port something else listens on is skipped.
# Blocks of tests running at the same time can still meet (two suites on one
# machine, or two tests of one suite whose blocks coincide), and a server may
# bind its port seconds after the draw: so a port drawn is also reserved, on
# the machine, for as long as the test runs (a file named by the port in
# $LW_TEST_PORTS holding the test's pid; a reservation whose test is gone is
# taken over), and no other test draws it meanwhile.
# The server helpers still check that what answers is the process they started.
LW_TEST_PORTS=${LW_TEST_PORTS:-${TMPDIR:-/tmp}/lurewatch-test-ports}
free_port() {
	"$PYTHON" - "$TRASH/.ports" "$this_test" $$ "$LW_TEST_PORTS" <<-\PY
	import errno, fcntl, os, re, socket, sys
	state, test, pid, reserved = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
	try:
	    eph = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
	except (OSError, ValueError, IndexError):
	    eph = 32768
	lo, hi = 10000, eph if eph > 12000 else 32768
	blocks = (hi - lo) // 64
	num = int((re.findall(r"\d+", test) or ["0"])[0])
	base = lo + (num * 7919 + pid) % blocks * 64
	def alive(owner):
	    try:
	        os.kill(owner, 0)
	    except ProcessLookupError:
	        return False
	    except PermissionError:
	        pass
	    return True
	def reserve(port):
	    # under the lock of the reservations: the port's file names a live test, or now this one
	    path = os.path.join(reserved, str(port))
	    try:
	        owner = int(open(path).read().strip() or 0)
	    except (OSError, ValueError):
	        owner = 0
	    if owner and owner != pid and alive(owner):
	        return False
	    try:
	        with open(path, "w") as f:
	            f.write("%d\n" % pid)
	    except OSError:
	        return False        # another user's stale reservation, in a sticky directory
	    with open(os.path.join(os.path.dirname(state), ".reserved"), "a") as mine:
	        mine.write("%d\n" % port)
	    return True
	def free(port):
	    for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
	        s = socket.socket(fam)
	        try:
	            s.bind((host, port))
	        except OSError as e:
	            if e.errno != errno.EADDRNOTAVAIL:
	                return False
	        finally:
	            s.close()
	    return True
	os.makedirs(reserved, exist_ok=True)
	try:
	    os.chmod(reserved, 0o1777)      # shared by every user's tests, like /tmp
	except OSError:
	    pass
	old_umask = os.umask(0)
	lock = os.open(os.path.join(reserved, ".lock"), os.O_RDWR | os.O_CREAT, 0o666)
	os.umask(old_umask)
	with open(state, "a+") as f:
	    fcntl.lockf(f, fcntl.LOCK_EX)
	    fcntl.lockf(lock, fcntl.LOCK_EX)
	    f.seek(0)
	    n = int(f.read() or 0)
	    for i in range(n, n + 64):
	        if free(base + i % 64) and reserve(base + i % 64):
	            break
	    else:
	        sys.exit("free_port: no free port in %d-%d" % (base, base + 63))
	    f.seek(0)
	    f.truncate()
	    f.write(str(i + 1))
	print(base + i % 64)
	PY
}
