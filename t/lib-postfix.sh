# lib-postfix.sh - a private Postfix instance on loopback for tests, demos and benchmarks
#
# postfix_setup DIR PORT MILTER [EXTRA_MAIN_CF]
#     write a complete instance under DIR (etc/, queue/, data/, mail/) that
#     accepts SMTP on 127.0.0.1:PORT, passes every message through MILTER
#     (a Postfix milter spec such as inet:127.0.0.1:11332, or "" for none)
#     and delivers every recipient into the Maildir DIR/mail/sink/.
#     Its log is DIR/maillog. Nothing outside DIR is touched.
# postfix_start DIR / postfix_stop DIR
# postfix_send DIR FILE [FROM] [TO]      submit FILE over SMTP; prints swaks output
# postfix_wait_idle DIR                  wait until the active/incoming queues are empty
# postfix_wait_delivered DIR N           wait until N messages are in the Maildir
#                                        (waits give up after LW_TEST_WAIT s, default 300)
# postfix_hold_ids DIR                   queue ids in the hold queue, one per line
# postfix_delivered DIR                  delivered files, oldest first
# postfix_delivered_is DIR N             exactly N of them (says how many if not)
#
# postfix_require_or_skip                skip the whole script unless root, postfix and swaks
#
# Needs root (Postfix's master runs as root and drops to the postfix user).

PF_MASTER_CF='smtp-in   inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd'

postfix_setup() {
	local dir=$1 port=$2 milter=$3 extra=${4:-}
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/mail" &&
	chown postfix "$dir/data" &&
	chown nobody:nogroup "$dir/mail" &&
	printf '%s\n' "$PF_MASTER_CF" | sed "s/^smtp-in /127.0.0.1:$port /" >"$dir/etc/master.cf" &&
	cat >"$dir/etc/main.cf" <<-EOF &&
	compatibility_level = 3.6
	queue_directory = $dir/queue
	data_directory = $dir/data
	command_directory = /usr/sbin
	daemon_directory = /usr/lib/postfix/sbin
	mail_owner = postfix
	setgid_group = postdrop
	maillog_file = $dir/maillog
	maillog_file_prefixes = $dir
	myhostname = relay.lurewatch.test
	mydomain = lurewatch.test
	myorigin = \$myhostname
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	mynetworks = 127.0.0.0/8
	mydestination =
	local_recipient_maps =
	alias_maps =
	alias_database =
	relayhost =
	smtpd_banner = \$myhostname ESMTP
	smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
	virtual_mailbox_domains = static:all
	virtual_mailbox_base = $dir/mail
	virtual_mailbox_maps = static:sink/
	virtual_minimum_uid = 1
	virtual_uid_maps = static:$(id -u nobody)
	virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)
	message_size_limit = 104857600
	virtual_mailbox_limit = 0
	smtpd_milters = $milter
	milter_default_action = tempfail
	milter_protocol = 6
	milter_content_timeout = 120s
	delay_warning_time = 0
	maximal_queue_lifetime = 1d
	bounce_queue_lifetime = 1d
	biff = no
	smtputf8_enable = yes
	$extra
	EOF
	chmod 644 "$dir/etc/main.cf" "$dir/etc/master.cf"
}

postfix_start() {
	/usr/sbin/postfix -c "$1/etc" check 2>>"$1/postfix-check.log"
	/usr/sbin/postfix -c "$1/etc" start 2>>"$1/postfix-start.log" || {
		# a port another process holds: the master says "bind ... Address already in use"
		echo "postfix_start: the Postfix of $1 (SMTP port $(postfix_port "$1")) did not start:" >&2
		cat "$1/postfix-start.log" >&2
		grep -E "fatal|error" "$1/maillog" 2>/dev/null | tail -5 >&2
		return 1
	}
}

postfix_stop() {
	/usr/sbin/postfix -c "$1/etc" stop >/dev/null 2>&1 || true
	# stop is asynchronous: wait for the master to go away
	postfix_poll_ "the master of $1 still runs" postfix_stopped_ "$1" || true
}

postfix_stopped_() {
	! { [ -f "$1/queue/pid/master.pid" ] && kill -0 "$(cat "$1/queue/pid/master.pid" 2>/dev/null)" 2>/dev/null; }
}

# postfix_poll_ WHAT CMD...: run CMD every 0.1 s until it succeeds; after
# LW_TEST_WAIT seconds (default 300: a guard against a hang, not a timing
# assertion) print "WHAT" and fail
postfix_poll_() {
	local what=$1 i=0 n=$((${LW_TEST_WAIT:-300} * 10))
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ $i -gt $n ] && { echo "$what after ${LW_TEST_WAIT:-300}s" >&2; return 1; }
		sleep 0.1
	done
}

postfix_port() {
	sed -n 's/^127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$1/etc/master.cf"
}

postfix_send() {
	local dir=$1 file=$2 from=${3:-sender@example.org} to=${4:-user@example.net}
	[ -n "$(postfix_port "$dir")" ] || { echo "postfix_send: no instance in $dir" >&2; return 1; }
	swaks --server 127.0.0.1 --port "$(postfix_port "$dir")" \
		--from "$from" --to "$to" --data "@$file" --timeout 150
}

postfix_wait_idle() {
	postfix_poll_ "postfix_wait_idle: mail still in the incoming, active or maildrop queue of $1" \
		postfix_idle_ "$1"
}

postfix_idle_() {
	[ -z "$(find "$1/queue/incoming" "$1/queue/active" "$1/queue/maildrop" -type f 2>/dev/null | head -1)" ]
}

postfix_hold_ids() {
	find "$1/queue/hold" -type f -printf '%f\n' 2>/dev/null | sort
}

postfix_delivered() {
	ls -1tr "$1/mail/sink/new" 2>/dev/null | sed "s|^|$1/mail/sink/new/|"
}

postfix_delivered_is() {
	test_is = "$2" "$(postfix_delivered "$1" | wc -l)" "messages delivered into $1/mail/sink/new"
}

# postfix_wait_delivered DIR N: wait until N messages are in the Maildir
postfix_wait_delivered() {
	postfix_poll_ "postfix_wait_delivered: expected $2 messages in $1/mail/sink/new" postfix_has_delivered_ "$1" "$2" || {
		echo "    got $(postfix_delivered "$1" | wc -l)" >&2
		return 1
	}
}

postfix_has_delivered_() {
	[ "$(postfix_delivered "$1" | wc -l)" -ge "$2" ]
}

# postfix_require_or_skip: what every test that runs a private Postfix needs
postfix_require_or_skip() {
	test_have_prereq ROOT || test_skip_all "Postfix needs root"
	test_have_prereq POSTFIX || test_skip_all "postfix is not installed"
	command -v swaks >/dev/null || test_skip_all "swaks is not installed"
}
