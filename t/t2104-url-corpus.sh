#!/bin/sh
# t2104-url-corpus.sh - URL extraction over the real phishing corpus: found, and parsed
test_description='URLs per message and the fraction parsed, on ../shared/corpus/phish'
. "$(dirname "$0")/test-lib.sh"

test_have_prereq SHARED || test_skip_all "no shared corpus"

test_expect_success 'every phishing message is read; URLs are found and nearly all parse' '
	"$LW_SCAN" -o rules_file=$TEST_DATA/test.rules --urls "$SHARED/corpus/phish" >urls.jsonl &&
	"$PYTHON" - urls.jsonl >stats <<-\PY &&
	import json, sys
	msgs = urls = unparsed = none = 0
	for line in open(sys.argv[1]):
	    o = json.loads(line)
	    u = o.get("urls", [])
	    msgs += 1
	    urls += len(u)
	    none += not u
	    unparsed += sum("unparsed" in x["flags"].split(",") for x in u)
	print("messages %d urls %d per-message %.2f without-urls %d parsed %.4f"
	      % (msgs, urls, urls / msgs, none, 1 - unparsed / max(urls, 1)))
	PY
	cat stats &&
	test_line_count = "$(ls "$SHARED/corpus/phish" | wc -l)" urls.jsonl &&
	"$PYTHON" -c "import sys; w=open(\"stats\").read().split(); sys.exit(not (float(w[5]) >= 3 and float(w[9]) >= 0.97))"
'

test_done
