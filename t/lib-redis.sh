# lib-redis.sh - start private redis-server and redis-sentinel processes for tests
#
# Source after test-lib.sh. Every server runs on a free 127.0.0.1 port with
# its files under $TRASH/NAME and is killed when the script exits. Servers
# keep an fsync-always append-only file, so a kill -9 and restart on the
# same NAME loses nothing that was acknowledged.
#
#   redis_start NAME [PORT [ARGS...]]  start redis-server (ARGS: more options)
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
	local name=$1 port=${2:-$(free_port)} dir=$TRASH/$1
	shift; [ $# -gt 0 ] && shift
	mkdir -p "$dir" && echo "$port" >"$dir/port" || return 1
	redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly yes --appendfsync always \
		--daemonize no --logfile "$dir/log" "$@" >/dev/null 2>&1 &
	echo $! >"$dir/pid"
	wait_started $! redis-cli -p "$port" ping
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
	local name=$1 master=$2 quorum=${3:-1} port dir=$TRASH/$1
	port=$(free_port)
	mkdir -p "$dir" &&
	echo "$port" >"$dir/port" &&
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
	echo $! >"$dir/pid"
	wait_started $! redis-cli -p "$port" ping
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
