#!/bin/sh
test_description='the message model on real mail: ../shared/corpus parses or fails cleanly'
. "$(dirname "$0")/test-lib.sh"

test_have_prereq SHARED || test_skip_all "no ../shared/corpus beside the source tree (set LW_SHARED)"
RULES=$top_srcdir/contrib/rules/lurewatch.rules
C=$SHARED/corpus

test_expect_success 'every corpus message gives exactly one verdict, none fails to parse' '
	n=$(find "$C/phish" "$C/ham" -name "*.eml" | wc -l) &&
	"$LW_SCAN" -o rules_file="$RULES" --json "$C/phish" "$C/ham" >all.json 2>err &&
	test_line_count = $n all.json &&
	test ! -s err
'

test_expect_success 'the JSON of every message is valid and complete' '
	"$PYTHON" -c "
import json
for line in open(\"all.json\"):
    o = json.loads(line)
    for k in (\"file\", \"score\", \"action\", \"hits\", \"indicators\", \"elapsed_ms\"):
        assert k in o, (k, o[\"file\"])
"
'

field() { # field FILE KEY
	"$PYTHON" -c "import json,sys
for l in open(\"all.json\"):
    o=json.loads(l)
    if o[\"file\"].endswith(sys.argv[1]): print(o[sys.argv[2]])" "$1" "$2"
}

test_expect_success 'mbox-style ham (with a "From " line) keeps its headers' '
	test_is = "Re: New Sequences Window" "$(field easy-ham-1-00001.eml subject)" "field easy-ham-1-00001.eml subject" &&
	test_is = "kre@munnari.OZ.AU" "$(field easy-ham-1-00001.eml from)" "field easy-ham-1-00001.eml from" &&
	test_is = "13258.1030015585@munnari.OZ.AU" "$(field easy-ham-1-00001.eml message_id)" "field easy-ham-1-00001.eml message_id"
'

test_expect_success 'phishing mail: sender, subject and message id decoded' '
	test_is = "noreplye@promotix.com" "$(field phish/sample-8.eml from)" "field phish/sample-8.eml from" &&
	test_is = "Announcement : Withdraw Process is Authorized Now !" "$(field phish/sample-8.eml subject)" "field phish/sample-8.eml subject"
'

test_done
