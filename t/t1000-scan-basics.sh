#!/bin/sh
test_description='lurewatch-scan: JSON and text verdicts on the bundled samples and fixtures'
. "$(dirname "$0")/test-lib.sh"

RULES=$top_srcdir/contrib/rules/lurewatch.rules
scan() { "$LW_SCAN" -o rules_file="$RULES" "$@"; }

test_expect_success 'a clean mail is accepted with score 0 and every JSON field present' '
	scan --json "$top_srcdir/contrib/samples/01-clean-meeting.eml" >out &&
	test_json_is out action accept &&
	test_json_is out score 0.0 &&
	test_json_is out hits "[]" &&
	test_json_is out indicators "[]" &&
	test_json_is out subject "週四專案會議議程 / Thursday project meeting agenda" &&
	test_json_is out from "yichun.chen@moea.example.gov.tw" &&
	test -n "$(test_json_field out elapsed_ms)"
'

test_expect_success 'the Chinese credential lure reaches quarantine or reject through Chinese rules' '
	scan -o brands_file="$top_srcdir/contrib/brands.txt" --json "$top_srcdir/contrib/samples/02-phish-credential-zh.eml" >out &&
	case "$(test_json_field out action)" in quarantine|reject) ;; *) false ;; esac &&
	test_json_rules out >rules &&
	test_grep "^LW_ZH_ACCOUNT_SUSPEND$" rules &&
	test_grep "^LW_ZH_VERIFY_ACCOUNT$" rules &&
	test_grep "^LW_ZH_URGENT$" rules
'

test_expect_success 'rules match normalized text: full-width and zero-width tricks do not hide a lure' '
	printf "From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\nYour ｍａｉｌｂｏｘ will be sus\342\200\213pended today\n" >fw.eml &&
	scan --json fw.eml >out &&
	test_json_rules out >rules &&
	test_grep "^LW_EN_ACCOUNT_SUSPEND$" rules
'

test_expect_success 'a hit carries analyzer, rule, score, description, evidence and indicators' '
	scan -o rules_file="$TEST_DATA/test.rules" --json "$TEST_DATA/reject.eml" >out &&
	test_json_is out action reject &&
	"$PYTHON" -c "import json,sys
o=json.loads(open(\"out\").read())
h=[x for x in o[\"hits\"] if x[\"rule\"]==\"T_SUBJECT\"][0]
assert h[\"analyzer\"]==\"rules\" and h[\"score\"]==0.5 and h[\"description\"], h
assert h[\"evidence\"].startswith(\"subject: \"), h
assert {\"type\":\"subject\",\"value\":\"installation check\"} in h[\"indicators\"], h
assert {\"type\":\"subject\",\"value\":\"installation check\"} in o[\"indicators\"], o
"
'

test_expect_success 'attachment names are decoded and matched (RFC 2231, double extension)' '
	scan --json "$TEST_DATA/multipart.eml" >out &&
	test_json_rules out >rules &&
	test_grep "^LW_FILENAME_DOUBLE_EXT$" rules &&
	test_grep "\"filename\", \"value\": \"invoice.pdf.exe\"|\"type\":\"filename\",\"value\":\"invoice.pdf.exe\"" out
'

test_expect_success 'every attachment gives its hashes and name as indicators, flagged or not' '
	scan --json "$TEST_DATA/multipart.eml" >out &&
	"$PYTHON" -c "import json, hashlib
o = json.loads(open(\"out\").read())
pdf = b\"%PDF-1.4\\n%fake pdf for tests\\n\"
want = [(\"sha256\", hashlib.sha256(pdf).hexdigest()), (\"md5\", hashlib.md5(pdf).hexdigest()),
        (\"sha1\", hashlib.sha1(pdf).hexdigest()), (\"filename\", \"報告 Q3.pdf\")]
have = [(i[\"type\"], i[\"value\"]) for i in o[\"indicators\"]]
missing = [w for w in want if w not in have]
assert not missing, missing
"
'

test_expect_success 'score.RULE in the configuration changes the score and the action' '
	scan -o rules_file="$TEST_DATA/test.rules" -o score.T_REJECT=1 --json "$TEST_DATA/reject.eml" >out &&
	test_json_is out score 1.5 &&
	test_json_is out action accept
'

test_expect_success 'a directory is scanned in name order, one JSON line per message' '
	mkdir d && cp "$TEST_DATA/clean.eml" d/b.eml && cp "$TEST_DATA/reject.eml" d/a.eml &&
	scan -o rules_file="$TEST_DATA/test.rules" --json d >out &&
	test_line_count = 2 out &&
	test_json_is out file d/a.eml 1 &&
	test_json_is out file d/b.eml 2
'

test_expect_success 'a message on standard input is scanned as "-"' '
	scan -o rules_file="$TEST_DATA/test.rules" --json - <"$TEST_DATA/reject.eml" >out &&
	test_json_is out file - &&
	test_json_is out action reject
'

test_expect_success 'the readable report names the action and each hit' '
	scan -o rules_file="$TEST_DATA/test.rules" "$TEST_DATA/reject.eml" >out &&
	test_grep "reject.eml: reject score=100.5 hits=2" out &&
	test_grep "100.0  T_REJECT" out
'

test_expect_success '--lint-rules lists every bad rule with its line' '
	test_must_fail "$LW_SCAN" --lint-rules "$TEST_DATA/bad.rules" >out &&
	test_grep "bad.rules:3: unknown target" out &&
	test_grep "bad.rules:4: missing description" out &&
	test_grep "bad.rules:6: bad score" out &&
	test_grep "bad.rules:7: bad pattern at offset" out &&
	test_grep "bad.rules:8: unknown pattern flag" out &&
	test_grep "bad.rules:9: duplicate rule id GOOD_RULE" out &&
	test_grep "1 good rules, 7 bad" out &&
	"$LW_SCAN" --lint-rules "$RULES" >out &&
	test_grep " 0 bad$" out
'

test_expect_success 'a rules file with a bad rule refuses the engine (exit 78, EX_CONFIG)' '
	"$LW_SCAN" -o rules_file="$TEST_DATA/bad.rules" "$TEST_DATA/clean.eml" 2>err; test $? = 78 &&
	test_grep "bad.rules:3" err
'

test_done
