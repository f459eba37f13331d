#!/bin/sh
test_description='lurewatch-scan on hostile and broken input: a clear answer, never a crash'
. "$(dirname "$0")/test-lib.sh"

scan() { "$LW_SCAN" -o rules_file="$TEST_DATA/test.rules" "$@"; }

# nested DEPTH: a message whose multiparts nest DEPTH deep around one text part
nested() {
	"$PYTHON" - "$1" <<-'EOF'
	import sys
	d = int(sys.argv[1])
	out = ["From: a@example.org", "To: b@example.org", "Subject: nested", "MIME-Version: 1.0"]
	for i in range(d):
	    out += ['Content-Type: multipart/mixed; boundary="b%d"' % i, "", "--b%d" % i]
	out += ["Content-Type: text/plain", "", "TAG-ME deep inside"]
	for i in reversed(range(d)):
	    out += ["--b%d--" % i]
	print("\n".join(out))
	EOF
}

test_expect_success 'a missing file is reported and the other files are still scanned' '
	test_must_fail scan --json nowhere.eml "$TEST_DATA/clean.eml" >out 2>err &&
	test_grep "nowhere.eml: .*No such file" err &&
	test_line_count = 2 out &&
	test_is != None "$(test_json_field out error 1)" "test_json_field out error 1" &&
	test_json_is out action accept 2
'

test_expect_success 'an unreadable file (a directory entry that is not a file) is an error, not a crash' '
	ln -s /nonexistent/target dangling &&
	test_must_fail scan --json dangling "$TEST_DATA/clean.eml" >out 2>err &&
	test_grep "dangling: " err
'

test_expect_success 'a FIFO in a scanned directory is skipped with an error line, never read' '
	mkdir dir && mkfifo dir/a-fifo && cp "$TEST_DATA/clean.eml" dir/b.eml &&
	# a writer that closes at once: a scanner that opened the FIFO would
	# read an empty message instead of waiting for ever
	{ : >dir/a-fifo & } && writer=$! &&
	{ scan --json dir >out 2>err; rc=$?; } &&
	{ exec 3<>dir/a-fifo; exec 3<&-; } && wait $writer &&  # opening read-write never blocks
	test $rc = 1 &&
	test_grep "dir/a-fifo: not a regular file, skipped" err &&
	test_json_is out error "not a regular file, skipped" 1 &&
	test_json_is out action accept 2
'

test_expect_success 'a FIFO named on the command line is read: the user asked for it' '
	mkfifo named-fifo &&
	{ cat "$TEST_DATA/clean.eml" >named-fifo & } && writer=$! &&
	scan --json named-fifo >out 2>err && wait $writer &&
	test_json_is out action accept 1
'

test_expect_success '--json error lines are JSON, whatever the file name' '
	name=$(printf "n\303\251-\377\"\\.eml") &&
	test_must_fail scan --json "$name" >out 2>err &&
	"$PYTHON" -c "import json,sys
o = json.loads(open(sys.argv[1], encoding=\"utf-8\").readline())
want = {\"file\": \"n\u00e9-\ufffd\\\"\\\\.eml\", \"error\": \"No such file or directory\"}
if o != want: sys.exit(\"expected %r, got %r\" % (want, o))" out
'

test_expect_success 'an empty file is "empty file", exit 1' '
	: >empty.eml &&
	test_must_fail scan --json empty.eml >out 2>err &&
	test_grep "empty.eml: empty file" err &&
	test_json_rules out >rules && test_grep "^LW_MIME_UNPARSEABLE$" rules
'

test_expect_success 'garbage bytes give a verdict or a clear error, never a crash' '
	head -c 65536 /dev/urandom >garbage.eml &&
	scan --json garbage.eml >out 2>err; test $? -le 1 &&
	test_line_count = 1 out
'

test_expect_success 'truncated MIME is scanned as far as it goes' '
	scan --json "$TEST_DATA/truncated.eml" >out &&
	test_json_is out subject cut
'

test_expect_success '100-deep nesting hits max_depth, still finds nothing to crash on' '
	nested 100 >deep.eml &&
	scan --json deep.eml >out &&
	test_json_rules out >rules &&
	test_grep "^LW_LIMIT_MAX_DEPTH$" rules
'

test_expect_success '5000-deep nesting is bounded too' '
	nested 5000 >deeper.eml &&
	scan --json deeper.eml >out 2>err; test $? -le 1 &&
	test_line_count = 1 out
'

test_expect_success 'nesting within max_depth is walked to the innermost part' '
	nested 5 >shallow.eml &&
	scan --json shallow.eml >out &&
	test_json_rules out >rules &&
	test_grep "^T_TAG$" rules && test_grep -v "LW_LIMIT" rules
'

test_expect_success 'more parts than max_parts hits the limit' '
	"$PYTHON" -c "
print(\"From: a@example.org\nSubject: parts\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\")
for i in range(50): print(\"--B\nContent-Type: text/plain\n\npart %d\" % i)
print(\"--B--\")" >parts.eml &&
	scan -o max_parts=10 --json parts.eml >out &&
	test_json_rules out >rules && test_grep "^LW_LIMIT_MAX_PARTS$" rules &&
	scan --json parts.eml >out &&
	test_json_rules out >rules && test_grep -v "^LW_LIMIT_MAX_PARTS$" rules
'

test_expect_success 'too many header fields, or one too long, hit their limits' '
	{ for i in $(seq 1 30); do echo "X-Filler-$i: x"; done; printf "Subject: h\n\nbody\n"; } >headers.eml &&
	scan -o max_headers=20 --json headers.eml >out &&
	test_json_rules out >rules && test_grep "^LW_LIMIT_MAX_HEADERS$" rules &&
	{ printf "Subject: long\nX-Long: "; head -c 100000 /dev/zero | tr "\0" a; printf "\n\nbody\n"; } >long.eml &&
	scan --json long.eml >out &&
	test_json_rules out >rules && test_grep "^LW_LIMIT_MAX_HEADER_LENGTH$" rules
'

test_expect_success 'a message over max_message_size is scanned truncated and flagged' '
	{ printf "Subject: big\n\nTAG-ME\n"; head -c 8000 /dev/zero | tr "\0" b; } >big.eml &&
	scan -o max_message_size=2k --json big.eml >out &&
	test_json_rules out >rules &&
	test_grep "^LW_LIMIT_MAX_MESSAGE_SIZE$" rules && test_grep "^T_TAG$" rules
'

test_expect_success 'invalid UTF-8 and NUL bytes in headers and body still give valid JSON' '
	printf "From: \377\376 <a@example.org>\nSubject: bad \377 bytes\nX-Nul: a\000b\n\nbody \377\376 TAG-ME\n" >bytes.eml &&
	scan --json bytes.eml >out &&
	"$PYTHON" -c "import json; json.loads(open(\"out\").read())" &&
	test_json_rules out >rules && test_grep "^T_TAG$" rules
'

test_done
