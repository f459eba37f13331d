#!/bin/sh
# demo.sh - send the bundled sample mails through lurewatch-milter behind a
# private Postfix on loopback and print what happened to each one.
#
# Environment: LW_MILTER (default: the build tree's), LW_DEMO_ARGS (extra
# milter arguments, e.g. -o rules_file=...). Needs root (Postfix), swaks.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/t/lib-postfix.sh"
: "${LW_MILTER:=$top/milter/lurewatch-milter}"
: "${LW_DEMO_ARGS:=}"

work=$(mktemp -d /tmp/lurewatch-demo.XXXXXX)
chmod 755 "$work"
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mport=$(port) sport=$(port)

# shellcheck disable=SC2086
"$LW_MILTER" -f -p "inet:$mport@127.0.0.1" $LW_DEMO_ARGS >"$work/milter.log" 2>&1 &
mpid=$!
trap 'kill $mpid 2>/dev/null; postfix_stop "$work/pf"' EXIT
i=0
until grep -q started: "$work/milter.log"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $mpid 2>/dev/null; then cat "$work/milter.log"; exit 1; fi
	sleep 0.1
done
postfix_setup "$work/pf" "$sport" "inet:127.0.0.1:$mport" && postfix_start "$work/pf" || exit 1

echo "lurewatch demo: milter $LW_MILTER, Postfix on 127.0.0.1:$sport, work files in $work"
echo
printf '%-36s %-10s %6s  %s\n' SAMPLE OUTCOME SCORE "DETAIL"
for f in "$top"/contrib/samples/*.eml; do
	name=$(basename "$f")
	msgid=$(sed -n 's/^Message-ID: *<\(.*\)>.*/\1/Ip' "$f" | head -1)
	postfix_send "$work/pf" "$f" >"$work/$name.smtp" 2>&1
	postfix_wait_idle "$work/pf"
	line=$(grep "msgid=<$msgid>" "$work/milter.log" | tail -1)
	score=$(echo "$line" | sed -n 's/.* score=\([^ ]*\) .*/\1/p')
	hits=$(echo "$line" | sed -n 's/.* hits=\([^ ]*\) .*/\1/p')
	queued=$(sed -n 's/.*Ok: queued as \([0-9A-F]*\).*/\1/p' "$work/$name.smtp")
	reply=$(grep -E '^<\*\* +[45][0-9][0-9]' "$work/$name.smtp" | tail -1 | sed 's/^<\*\* *//')
	if [ -n "$reply" ]; then
		case "$reply" in 5*) outcome=rejected ;; *) outcome=tempfailed ;; esac
		detail=$reply
	elif [ -n "$queued" ] && [ -f "$work/pf/queue/hold/$queued" ]; then
		outcome=held detail="hold queue id $queued; hits $hits"
	else
		postfix_wait_delivered "$work/pf" 1
		file=$(grep -l "^Message-ID: *<$msgid>" "$work"/pf/mail/sink/new/* 2>/dev/null | head -1)
		outcome=delivered
		detail=$(grep '^X-Lurewatch-' "$file" 2>/dev/null | tr '\n' ' ')
	fi
	printf '%-36s %-10s %6s  %s\n' "$name" "$outcome" "${score:--}" "$detail"
done
echo
echo "milter log: $work/milter.log   Postfix log: $work/pf/maillog"
