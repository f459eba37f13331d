#!/bin/sh
# t3002-export-push.sh - push to a TAXII 2.1 collection and MISP (loopback stand-in), refused pushes
test_description='libcurl pushes: accepted, updated, refused (no acknowledgement), TLS verification'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-export.sh"

start_redis

# standin DIR [--tls CERT KEY]: start the stand-in server; sets SPORT
standin() {
	local dir=$1
	shift
	mkdir -p $dir && rm -f $dir/port &&
	{ "$PYTHON" "$top_srcdir/t/push-standin.py" "$TRASH/$dir" s3cret-key "$@" & } &&
	test_at_exit "kill $! 2>/dev/null" &&
	wait_for test -s $dir/port &&
	SPORT=$(cat $dir/port)
}

test_expect_success 'start the stand-in and configure both pushes' '
	standin srv &&
	echo s3cret-key >key && chmod 600 key &&
	export_conf push.conf "$TRASH/out" "Agency A" \
		export_taxii_url=http://127.0.0.1:$SPORT/taxii2/collections/91a7b528/objects/ \
		export_taxii_key_file=$TRASH/key \
		export_misp_url=http://127.0.0.1:$SPORT/ export_misp_key_file=$TRASH/key
'

test_expect_success 'an export pushes the STIX objects (TAXII envelope) and the MISP event' '
	hits_add --prefix p --count 6 --campaigns c1,c2 &&
	lw_ioc export -c push.conf >run1.out &&
	test_grep "pushed=2 " run1.out &&
	test_grep "^POST /taxii2/collections/91a7b528/objects/ 202$" srv/requests.log &&
	test_grep "^POST /events/add 200$" srv/requests.log &&
	"$PYTHON" -c "import json,sys
env=json.load(open(\"srv/taxii-1.json\")); b=json.load(open(\"out/lurewatch-stix.json\"))
assert env[\"objects\"]==b[\"objects\"]
assert \"type\" not in env" &&
	test_grep "^POST /events/publish/[0-9a-f-]{36} 200$" srv/requests.log &&
	"$PYTHON" -c "import json,glob
a=json.load(open(glob.glob(\"srv/misp-*.json\")[0])); b=json.load(open(\"out/lurewatch-misp.json\"))
assert a[\"Event\"].pop(\"published\") is True and b[\"Event\"].pop(\"published\") is False
# the pushed copy is stamped with the push (MISP takes an edit only when newer), the file with its messages
assert int(a[\"Event\"].pop(\"timestamp\")) >= int(b[\"Event\"].pop(\"timestamp\"))
assert a==b"
'

test_expect_success 'the next push updates the same MISP event (edit by uuid), no second event' '
	hits_add --prefix q --count 2 --campaigns c3 --start 2026-11-22T08:00:00 &&
	lw_ioc export -c push.conf >run2.out &&
	test_grep "pushed=2 " run2.out &&
	test_grep "^POST /events/edit/[0-9a-f-]{36} 200$" srv/requests.log &&
	ls srv/misp-*.json >pushed && test_line_count = 1 pushed &&
	test_grep "c3-login.example" srv/misp-*.json
'

test_expect_success 'a refused push: clear error, exit 1, entries stay pending' '
	: >srv/refuse &&
	hits_add --prefix r --count 3 --campaigns c4 --start 2026-11-23T08:00:00 &&
	test_must_fail lw_ioc export -c push.conf >run3.out 2>run3.err &&
	test_grep "TAXII push refused by http://127.0.0.1:$SPORT/taxii2/collections/91a7b528/objects/: HTTP 403" run3.err &&
	test_grep "refuses pushes" run3.err &&
	pending_is 3
'

test_expect_success 'once the server accepts again, the rerun pushes and acknowledges' '
	rm srv/refuse &&
	lw_ioc export -c push.conf >run4.out &&
	test_grep "read=3 .*acked=3 pushed=2 " run4.out &&
	pending_is 0 &&
	n=$(ls srv/taxii-*.json | wc -l) &&
	test_grep "c4-login.example" srv/taxii-$n.json
'

test_expect_success 'a refused MISP push (wrong key) is reported and not acknowledged' '
	echo wrong-key >badkey && chmod 600 badkey &&
	hits_add --prefix w --count 1 --campaigns c5 --start 2026-11-24T08:00:00 &&
	test_must_fail lw_ioc export -c push.conf -o export_taxii_url= -o export_misp_key_file=$TRASH/badkey 2>run5.err &&
	test_grep "MISP push refused by http://127.0.0.1:$SPORT/events/add: HTTP 403" run5.err &&
	test_grep -v "wrong-key" run5.err &&
	pending_is 1
'

test_expect_success 'a missing key file is a clear error' '
	test_must_fail lw_ioc export -c push.conf -o export_taxii_key_file=$TRASH/nokey 2>run6.err &&
	test_grep "TAXII push: key file: .*nokey" run6.err &&
	lw_ioc export -c push.conf >/dev/null
'

test_expect_success 'a key file readable by everyone is refused' '
	chmod 644 key &&
	test_must_fail lw_ioc export -c push.conf 2>run10.err &&
	test_grep "key file .*/key is readable by everyone" run10.err &&
	chmod 600 key
'

test_expect_success 'a server that does not answer (connection refused) is an error' '
	port=$(free_port) &&
	hits_add --prefix d --count 1 --campaigns c6 --start 2026-11-24T09:00:00 &&
	test_must_fail lw_ioc export -c push.conf -o export_misp_url= \
		-o export_taxii_url=http://127.0.0.1:$port/taxii2/collections/x/objects/ 2>run7.err &&
	test_grep "TAXII push failed: .*127.0.0.1:$port" run7.err &&
	lw_ioc export -c push.conf >/dev/null
'

if command -v openssl >/dev/null 2>&1; then test_set_prereq OPENSSL; fi

test_expect_success OPENSSL 'TLS: an unknown certificate is refused; the configured CA is trusted' '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.pem -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 &&
	standin tls --tls "$TRASH/tls.pem" "$TRASH/tls.key" &&
	hits_add --prefix t --count 1 --campaigns c7 --start 2026-11-24T10:00:00 &&
	test_must_fail lw_ioc export -c push.conf -o export_misp_url= \
		-o export_taxii_url=https://127.0.0.1:$SPORT/taxii2/collections/x/objects/ 2>run8.err &&
	test_grep "TAXII push failed: .*(certificate|SSL)" run8.err &&
	lw_ioc export -c push.conf -o export_misp_url= -o export_ca_file=$TRASH/tls.pem \
		-o export_taxii_url=https://127.0.0.1:$SPORT/taxii2/collections/x/objects/ >run9.out &&
	test_grep "pushed=1 " run9.out &&
	test -s tls/taxii-1.json
'

test_done
