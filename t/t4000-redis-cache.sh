#!/bin/sh
# t4000-redis-cache.sh - the verdict cache, with a real redis-server and without Redis
test_description='verdict cache: second copy cached, shared across runs, invalidated by new rules'
. "${top_srcdir:-$(dirname "$0")/..}/t/test-lib.sh"
. "$top_srcdir/t/lib-redis.sh"

RULES=$top_srcdir/contrib/rules/lurewatch.rules
BRANDS=$top_srcdir/contrib/brands.txt     # the sample impersonates a mail administrator: held for that

# copy N: the phishing sample as delivered to another mailbox (new To, Message-ID, Date)
make_copies() {
	for i in $(seq 1 "$1"); do
		sed -e "s/^To: .*/To: user$i@agency.example.gov.tw/" \
		    -e "s/^Message-ID: .*/Message-ID: <copy-$i@mail-gov-tw.example.net>/" \
		    -e "s/^Date: .*/Date: Fri, 20 Nov 2026 09:3$((i % 10)):00 +0800/" \
		    "$TEST_DATA/phish-zh.eml" >"copy-$i.eml" || return 1
	done
}

test_expect_success 'without Redis, the in-process cache serves the second copy' '
	make_copies 2 &&
	"$LW_SCAN" -o rules_file="$RULES" --json --counters copy-1.eml copy-2.eml >out 2>err &&
	test_json_is out cached false 1 &&
	test_json_is out cached true 2 &&
	test_json_is out score "$(test_json_field out score 2)" 1 &&
	test_json_rules out 1 >rules1 && test_json_rules out 2 >rules2 && test_cmp rules1 rules2 &&
	test_grep "cache: hits=1 misses=1 errors=0 redis_round_trips=0" err
'

# cached OUT N WANT: the Nth verdict in OUT was (true) or was not (false) served from the cache
cached() {
	test_json_is "$1" cached "$3" "$2"
}

# resend FILE: FILE as another relay passes it on: its trace field, with another
# queue id, and the verdict fields of a lurewatch upstream, on top
resend() {
	printf "Received: from mx2.agency.example.gov.tw (mx2.agency.example.gov.tw [192.0.2.25])\n\tby relay.agency.example.gov.tw (Postfix) with ESMTPS id 4QZ9XK0Ab1z9sT\n\tfor <user9@agency.example.gov.tw>; Fri, 20 Nov 2026 09:40:01 +0800\n"
	printf "X-Lurewatch-Verdict: reject\nX-Lurewatch-Score: 31.0\n"
	cat "$1"
}

test_expect_success 'a copy another relay passed on (new trace field, queue id, verdict fields) is served from the cache' '
	make_copies 2 &&
	resend copy-2.eml >resent.eml &&
	"$LW_SCAN" -o rules_file="$RULES" --json copy-1.eml resent.eml >out &&
	cached out 1 false && cached out 2 true &&
	test_json_rules out 1 >rules1 && test_json_rules out 2 >rules2 && test_cmp rules1 rules2
'

test_expect_success 'a copy with one changed field that rules read misses: Subject, From display name, Reply-To' '
	make_copies 1 &&
	sed "s/^Subject: .*/Subject: Your mailbox will be suspended/" copy-1.eml >subject.eml &&
	sed "s/^ =?utf-8?b?57O757Wx566h55CG5ZOh?= Mail Admin / IT Helpdesk /" copy-1.eml >name.eml &&
	test_must_fail cmp -s copy-1.eml name.eml &&
	sed "s/^X-Mailer: /Reply-To: helpdesk@mail-gov-tw.example.org\nX-Mailer: /" copy-1.eml >replyto.eml &&
	"$LW_SCAN" -o rules_file="$RULES" --json copy-1.eml subject.eml name.eml replyto.eml >out &&
	cached out 1 false && cached out 2 false && cached out 3 false && cached out 4 false
'

# The cache key leaves out the fields relays add and those that name the
# recipient; a rule that reads one of them (here: a trace field, the raw
# bytes, the To field) makes what it reads part of the key. A clean
# message cached first must not lend its verdict to a copy that the rule
# flags, and a flagged copy is found again with its hit.
test_expect_success 'a clean message cached first cannot make a later malicious copy cached-clean' '
	cat "$TEST_DATA/test.rules" - >poison.rules <<-\EOF &&
	T_TRACE       header:Received 8 malware /evil-relay\.example/  test: a trace field names a bad relay
	T_RAWMARK     raw    8  malware  /POISON-7d1e/                   test: a mark anywhere in the raw bytes
	T_NOBODY      header:To 8 deception /undisclosed-recipients/     test: the To field is an empty group
	EOF
	printf "Received: from evil-relay.example (evil-relay.example [198.51.100.7]) by mx id A1\n" >trace1 &&
	printf "Received: from evil-relay.example (evil-relay.example [198.51.100.7]) by mx id B2\n" >trace2 &&
	printf "Received: from relay.example (POISON-7d1e) by mx id C3\n" >mark &&
	cat trace1 "$TEST_DATA/clean.eml" >evil-trace.eml &&
	cat trace2 "$TEST_DATA/clean.eml" >evil-trace2.eml &&
	cat mark "$TEST_DATA/clean.eml" >evil-mark.eml &&
	sed "s/^To: .*/To: undisclosed-recipients:;/" "$TEST_DATA/clean.eml" >evil-to.eml &&
	"$LW_SCAN" -o rules_file="$PWD/poison.rules" --json "$TEST_DATA/clean.eml" evil-trace.eml \
		evil-mark.eml evil-to.eml evil-trace2.eml >out &&
	cached out 1 false && test_json_rules out 1 >rules && test_grep -v "^T_" rules &&
	cached out 2 false && test_json_rules out 2 >rules && test_grep "^T_TRACE$" rules &&
	cached out 3 false && test_json_rules out 3 >rules && test_grep "^T_RAWMARK$" rules &&
	cached out 4 false && test_json_rules out 4 >rules && test_grep "^T_NOBODY$" rules &&
	cached out 5 true && test_json_rules out 5 >rules && test_grep "^T_TRACE$" rules
'

test_expect_success 'cache_entries = 0 turns the in-process cache off' '
	"$LW_SCAN" -o rules_file="$RULES" -o cache_entries=0 --json copy-1.eml copy-2.eml >out &&
	test_json_is out cached false 2
'

test_expect_success REDIS 'start redis-server' '
	redis_start r1
'

test_expect_success REDIS 'with Redis, the second copy in one run is cached, one round trip' '
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) --json --counters copy-1.eml copy-2.eml >out 2>err &&
	test_json_is out cached false 1 &&
	test_json_is out cached true 2 &&
	test_grep "cache: hits=1 misses=1 errors=0" err &&
	redis_cli r1 --scan --pattern "lw:v:*" >keys &&
	test_line_count = 1 keys &&
	test_is -gt 3000 "$(redis_cli r1 ttl "$(cat keys)")" "the TTL of $(cat keys)"
'

test_expect_success REDIS 'the cache is shared: another run (another instance) hits at once' '
	make_copies 3 &&
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) --json --counters copy-3.eml >out 2>err &&
	test_json_is out cached true 1 &&
	test_grep "cache: hits=1 misses=0 errors=0" err
'

test_expect_success REDIS 'keys of the report, export and Postfix tools do not change the tag' '
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) -o postfix_command_dir=$PWD \
		-o quarantine_dir=$PWD/q -o export_dir=$PWD/e -o report_to=soc@agency.example.gov.tw \
		--json copy-3.eml >out &&
	test_json_is out cached true 1
'

test_expect_success REDIS 'a new quarantine_score acts after the cache: the shared verdict is still found' '
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) --json copy-3.eml >before &&
	"$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) -o quarantine_score=9 --json copy-3.eml >out &&
	test_json_is out cached true 1 &&
	test_json_rules before >rules-before && test_json_rules out >rules-after &&
	test_cmp rules-before rules-after
'

test_expect_success REDIS 'a rule changed in the rules file (not its comments) misses' '
	sed "s/^\(LW_ZH_URGENT  *body  *\)1\.5 /\12.5 /" "$RULES" >changed.rules &&
	test_must_fail cmp -s "$RULES" changed.rules &&
	"$LW_SCAN" -o rules_file="$PWD/changed.rules" $(lw_redis_opts r1) --json copy-3.eml >out &&
	test_json_is out cached false 1
'

test_expect_success REDIS 'feeds are tagged as loaded: a feed added to feeds_dir misses' '
	mkdir feeds &&
	"$LW_SCAN" -o rules_file="$RULES" -o feeds_dir="$PWD/feeds" $(lw_redis_opts r1) --json copy-3.eml >out0 &&
	"$LW_SCAN" -o rules_file="$RULES" -o feeds_dir="$PWD/feeds" $(lw_redis_opts r1) --json copy-3.eml >out1 &&
	test_json_is out1 cached true 1 &&
	echo "unrelated.example" >feeds/extra.txt &&
	"$LW_SCAN" -o rules_file="$RULES" -o feeds_dir="$PWD/feeds" $(lw_redis_opts r1) --json copy-3.eml >out &&
	test_json_is out cached false 1
'

# A hit: the verdict (1), the campaign counters (2). A miss also fetches the
# attachments' antivirus results with the counters, and stores (3).
test_expect_success REDIS 'a cached copy costs at most 2 round trips, a scanned one at most 3' '
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$BRANDS" $(lw_redis_opts r1) --json --counters copy-1.eml copy-2.eml copy-3.eml >out 2>err &&
	sed -n "s/.*cache: hits=\([0-9]*\) misses=\([0-9]*\) .*redis_round_trips=\([0-9]*\).*/\1 \2 \3/p" err >counts &&
	read hits misses rt <counts &&
	echo "hits=$hits misses=$misses: $rt round trips, at most $((2 * hits + 3 * misses)) expected" &&
	test_is = 3 $((hits + misses)) "hits + misses" && test_is -ge 2 "$hits" "hits" &&
	test_is -le $((2 * hits + 3 * misses)) "$rt" "round trips"
'

test_expect_success REDIS 'an edited rules file (new engine tag) does not reuse old verdicts' '
	cp "$RULES" my.rules &&
	"$LW_SCAN" -o rules_file="$PWD/my.rules" $(lw_redis_opts r1) --json copy-1.eml >out0 &&
	"$LW_SCAN" -o rules_file="$PWD/my.rules" $(lw_redis_opts r1) --json copy-1.eml >out1 &&
	test_json_is out1 cached true 1 &&
	echo "# the same rules, edited" >>my.rules &&
	"$LW_SCAN" -o rules_file="$PWD/my.rules" $(lw_redis_opts r1) --json --counters copy-1.eml >out 2>err &&
	test_json_is out cached false 1 &&
	test_grep "cache: hits=0 misses=1" err
'

# The brand list and the warninglists are loaded once per engine and shared by
# the analyzers that read them; the engine puts them in the tag itself.
test_expect_success REDIS 'an edited brand list or warninglist does not reuse old verdicts either' '
	cp "$BRANDS" my.brands && mkdir wl && cp "$top_srcdir"/contrib/warninglists/*.json wl/ &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$PWD/my.brands" -o warninglists_dir="$PWD/wl" $(lw_redis_opts r1) --json copy-2.eml >out0 &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$PWD/my.brands" -o warninglists_dir="$PWD/wl" $(lw_redis_opts r1) --json copy-2.eml >out1 &&
	test_json_is out1 cached true 1 &&
	echo "brand examplebank examplebank.example  Example Bank" >>my.brands &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$PWD/my.brands" -o warninglists_dir="$PWD/wl" $(lw_redis_opts r1) --json copy-2.eml >out2 &&
	test_json_is out2 cached false 1 &&
	cat >wl/t4000.json <<-\EOF &&
	{"name": "t4000: one more list", "version": 1, "description": "t4000",
	 "matching_attributes": ["hostname"], "type": "hostname", "list": ["known.example"]}
	EOF
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$PWD/my.brands" -o warninglists_dir="$PWD/wl" $(lw_redis_opts r1) --json copy-2.eml >out3 &&
	test_json_is out3 cached false 1
'

test_expect_success REDIS 'a score override also changes the tag' '
	"$LW_SCAN" -o rules_file="$RULES" -o score.LW_ZH_URGENT=4 $(lw_redis_opts r1) --json copy-1.eml >out &&
	test_json_is out cached false 1
'

test_expect_success REDIS 'a corrupt cache entry is a miss, not a failure' '
	for k in $(redis_cli r1 --scan --pattern "lw:v:*"); do redis_cli r1 set "$k" "{not json" >/dev/null; done &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$BRANDS" $(lw_redis_opts r1) --json copy-1.eml >out &&
	test_json_is out cached false 1 &&
	test_json_is out action reject 1
'

# attached: the phishing sample with a PDF attached (lure links, and attachment
# hashes: MD5 and SHA-1 come from a finish hook, after the score is known)
attached() {
	sed -n "1,/^MIME-Version/p" "$TEST_DATA/phish-zh.eml" &&
	printf "Content-Type: multipart/mixed; boundary=\"mix-t4000\"\n\n--mix-t4000\n" &&
	sed -n "/^Content-Type: multipart\/alternative/,\$p" "$TEST_DATA/phish-zh.eml" &&
	printf "\n--mix-t4000\nContent-Type: application/pdf; name=\"notice.pdf\"\n" &&
	printf "Content-Disposition: attachment; filename=\"notice.pdf\"\nContent-Transfer-Encoding: base64\n\n" &&
	printf "%%PDF-1.4\n%% t4000 notice\n%%%%EOF\n" | base64 &&
	printf "\n--mix-t4000--\n"
}

# indicators FILE: the message indicators of the verdict in FILE, "type value role" in order
indicators() {
	"$PYTHON" -c 'import json,sys
for i in json.loads(open(sys.argv[1]).read())["indicators"]: print(i["type"], i["value"], i.get("role", "-"))' "$1"
}

test_expect_success REDIS 'a copy served from Redis records the indicators of the first scan, finish hooks included' '
	attached >att-1.eml &&
	sed "s/^Message-ID: .*/Message-ID: <att-2@mail-gov-tw.example.net>/" att-1.eml >att-2.eml &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$BRANDS" $(lw_redis_opts r1) --json att-1.eml >first &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$BRANDS" $(lw_redis_opts r1) --json att-2.eml >second &&
	cached first 1 false && cached second 1 true &&
	indicators first >ind1 && indicators second >ind2 &&
	test_grep "^sha256 [0-9a-f]{64} payload$" ind1 && test_grep "^filename notice.pdf payload$" ind1 &&
	test_grep "^md5 [0-9a-f]{32} payload$" ind1 && test_grep "^sha1 [0-9a-f]{40} payload$" ind1 &&
	test_grep "^url https://mail-gov-tw.example.net/owa/verify\?u=user lure$" ind1 &&
	test_cmp ind1 ind2
'

test_expect_success REDIS 'an entry of the previous format (no indicators kept) is a miss, then replaced' '
	redis_cli r1 --scan --pattern "lw:v:*" >keys &&
	for k in $(cat keys); do
		redis_cli r1 get "$k" | sed "s/^{\"format\":[0-9]*,/{/" >entry &&
		test_grep -v "\"format\"" entry && redis_cli r1 -x set "$k" <entry >/dev/null || return 1
	done &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$BRANDS" $(lw_redis_opts r1) --json att-2.eml >old &&
	cached old 1 false && indicators old >ind-old && test_cmp ind1 ind-old &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$BRANDS" $(lw_redis_opts r1) --json att-2.eml >new &&
	cached new 1 true && indicators new >ind-new && test_cmp ind1 ind-new
'

test_expect_success REDIS 'Redis down: every message still scanned, errors counted, logged once' '
	redis_stop r1 &&
	"$LW_SCAN" -o rules_file="$RULES" -o brands_file="$BRANDS" $(lw_redis_opts r1) --json --counters copy-1.eml copy-2.eml copy-3.eml >out 2>err &&
	test_line_count = 3 out &&
	test_json_is out action reject 3 &&
	test_grep_count = 1 "redis unreachable" err &&
	test_json_is out cached true 2 &&
	test_grep "errors=[1-9]" err
'

test_expect_success REDIS 'one process logs "redis unreachable" once and "redis back" once' '
	redis_start r1 "$(redis_port r1)" &&
	mkfifo fifo &&
	lw_bg scan "$LW_SCAN" -o rules_file="$RULES" $(lw_redis_opts r1) --json --counters \
		fifo fifo fifo fifo &&
	cat copy-1.eml >fifo && wait_for lines scan.out 1 &&
	redis_stop r1 &&
	cat copy-2.eml >fifo && wait_for lines scan.out 2 &&
	cat copy-3.eml >fifo && wait_for lines scan.out 3 &&
	redis_start r1 "$(redis_port r1)" &&
	# outlast the reconnection backoff (at most 2 s after the last failure, copy-3):
	# a lower bound, so a slower machine only waits longer
	sleep 2.5 &&
	cat copy-1.eml >fifo &&
	wait_for test -s scan.rc &&
	cat scan.err &&
	test_is = 0 "$(cat scan.rc)" "the exit status of the scan" && test_line_count = 4 scan.out &&
	test_grep_count = 1 "redis unreachable \(cache\)" scan.err &&
	test_grep_count = 1 "redis back \(cache\)" scan.err
'

test_done
