# lib-redis.sh - start private redis-server and redis-sentinel processes for tests
#
# Source after test-lib.sh. Every server runs on a free 127.0.0.1 port with
# its files under $TRASH/NAME and is killed when the script exits. Servers
# keep an fsync-always append-only file, so a kill -9 and restart on the
# same NAME loses nothing that was acknowledged. A start succeeds only when
# the server answering on the port is the process it spawned (INFO server's
# process_id), never another one that holds the port; on a port of its own
# choosing it then tries another port, on a given PORT it fails and says so.
#
#   redis_start NAME [PORT [ARGS...]]  start redis-server (ARGS: more options;
#                                PORT "": a free one)
#   redis_stop NAME              kill it (SIGKILL: an outage, not a shutdown)
#   redis_cli NAME ARGS...       redis-cli against it (raw output)
#   redis_port NAME              its port
#   sentinel_start NAME MASTER_PORT [QUORUM]   a sentinel watching master "lwmaster"
#   lw_redis_opts NAME           -o options pointing lurewatch at server NAME
#   hits_is NAME N               server NAME's hits stream (lw:hits) has N entries
#                                (says how many if not; a command, so wait_for can re-run it)
#   lines FILE N                 FILE has N lines (a reader of a FIFO is done with
#                                one message: write the next only then, or two
#                                writers' data merge into one message)
#   lw_bg NAME CMD...            run CMD in the background: NAME.out, NAME.err, and
#                                NAME.rc (its exit status) when it ends
#
# Servers and background commands are killed when the script exits, also
# when a test body (a subshell) started them and then failed.

# redis_port NAME: the port recorded for NAME
redis_port() {
	cat "$TRASH/$1/port"
}

redis_start() {
	local name=$1 port=${2:-}
	shift; [ $# -gt 0 ] && shift
	redis_launch_ "$name" "$port" redis_server_ "$@"
}

redis_server_() { # redis_server_ NAME PORT ARGS...: redis-server in the background
	local dir=$TRASH/$1 port=$2
	shift 2
	redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly yes --appendfsync always \
		--daemonize no --logfile "$dir/log" "$@" >/dev/null 2>&1 &
}

# redis_launch_ NAME PORT START ARGS...: "START NAME PORT ARGS" starts a server
# in the background; wait until it answers and check that what answers is that
# process. PORT empty: a free_port, and up to four more if another process
# takes it first; a given PORT is tried once.
redis_launch_() {
	local name=$1 port=$2 start=$3 dir=$TRASH/$1 tries=1 pid
	shift 3
	[ -n "$port" ] || { port=$(free_port) && tries=5; } || return 1
	mkdir -p "$dir" || return 1
	while :; do
		echo "$port" >"$dir/port" &&
		"$start" "$name" "$port" "$@" || return 1
		pid=$!
		echo "$pid" >"$dir/pid"
		redis_is_ours_ "$name" "$port" "$pid" && return 0
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		tries=$((tries - 1))
		[ $tries -gt 0 ] || return 1
		port=$(free_port) || return 1
		echo "redis_start: $name tries port $port" >&2
	done
}

# redis_is_ours_ NAME PORT PID: the server answering on PORT is PID
redis_is_ours_() {
	local got
	if ! wait_started "$3" redis-cli -p "$2" ping; then
		echo "redis_start: $1 (pid $3) does not answer on port $2; the end of its log:" >&2
		tail -5 "$TRASH/$1/log" >&2 2>/dev/null
		return 1
	fi
	got=$(redis-cli -p "$2" info server | tr -d '\r' | sed -n 's/^process_id://p')
	[ "$got" = "$3" ] && return 0
	echo "redis_start: the server answering on port $2 is pid ${got:-unknown}, not $1's (pid $3)" >&2
	return 1
}

redis_stop() {
	local dir=$TRASH/$1
	kill -9 "$(cat "$dir/pid")" 2>/dev/null
	while redis-cli -p "$(redis_port "$1")" ping >/dev/null 2>&1; do sleep 0.1; done
}

redis_cli() {
	local name=$1
	shift
	redis-cli --raw -p "$(redis_port "$name")" "$@"
}

sentinel_start() {
	redis_launch_ "$1" "" sentinel_server_ "$2" "${3:-1}"
}

sentinel_server_() { # sentinel_server_ NAME PORT MASTER_PORT QUORUM: redis-sentinel in the background
	local dir=$TRASH/$1 port=$2 master=$3 quorum=$4
	cat >"$dir/sentinel.conf" <<-EOF &&
	port $port
	bind 127.0.0.1
	dir $dir
	logfile $dir/log
	sentinel monitor lwmaster 127.0.0.1 $master $quorum
	sentinel down-after-milliseconds lwmaster 1000
	sentinel failover-timeout lwmaster 5000
	sentinel parallel-syncs lwmaster 1
	EOF
	: || return 1
	redis-sentinel "$dir/sentinel.conf" >/dev/null 2>&1 &
}

lw_redis_opts() {
	echo "-o redis_server=127.0.0.1:$(redis_port "$1") -o redis_timeout_ms=1000"
}

hits_is() {
	test_is = "$2" "$(redis_cli "$1" xlen lw:hits)" "entries in $1's lw:hits"
}

lines() {
	test "$(wc -l <"$1")" -ge "$2"
}

lw_bg() {
	local name=$1
	shift
	( "$@" >"$TRASH/$name.out" 2>"$TRASH/$name.err" &
	  echo $! >"$TRASH/$name.bgpid"
	  wait $!
	  echo $? >"$TRASH/$name.rc" ) &
	wait_for test -s "$TRASH/$name.bgpid"
}

# redis_cleanup_: kill every server and background command of this script
redis_cleanup_() {
	for f in "$TRASH"/*/pid "$TRASH"/*.bgpid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	return 0
}
test_at_exit redis_cleanup_

command -v redis-sentinel >/dev/null 2>&1 && test_set_prereq SENTINEL
