#!/bin/sh
test_description='inputs that once crashed a fuzz harness (t/data/regress/fuzz-NAME/) replayed through the tools'
. "$(dirname "$0")/test-lib.sh"

# Every crash or hang that `make fuzz` or a red team finds is fixed in the
# code and its input is added under t/data/regress/HARNESS/ (and to
# LW_TEST_FILES); fuzz-message also holds torture-style cases (NUL and bare
# CR bytes, broken encodings, unterminated and 200-deep multiparts, an empty
# file) and issue 17's resource attacks, generated at the smallest size that
# still hurt: 42,000 nested address groups (SIGSEGV), a parameter flood, 40
# nested attached messages, a 20000 x 20000 PNG zipped to 1.5 KB. Each directory
# is replayed the way its harness feeds the code:
#   fuzz-message  lurewatch-scan --json: one verdict, exit 0 or 1
#   fuzz-html     wrapped as the text/html body of a message, then scanned
#   fuzz-rules    lurewatch-scan --lint-rules: a report, exit 0 or 1
#   fuzz-config   lurewatch-scan -c FILE --dump-config: exit 0 or 2
#   fuzz-feed     lurewatch-ioc load FEED: exit 0 or 1; a first byte below 8
#                 names the file as the harness does (t/fuzz/fuzz-feed.c)
# Under --enable-sanitizers a finding aborts, which fails the test too.
# Inputs of a new harness go in a new directory and a new case below.
R=$TEST_DATA/regress
[ -n "$(ls "$R"/fuzz-*/* 2>/dev/null)" ] || test_skip_all "no fuzz regression inputs yet"

scan() { "$LW_SCAN" -o rules_file="$TEST_DATA/test.rules" "$@"; }

for f in "$R"/fuzz-message/*; do
	[ -f "$f" ] || continue
	test_expect_success "message $(basename "$f")" '
		test_exit_in "0 1" scan --json "$f" >out && test_one_verdict out
	'
done

for f in "$R"/fuzz-html/*; do
	[ -f "$f" ] || continue
	test_expect_success "html $(basename "$f")" '
		{ printf "Subject: h\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"; cat "$f"; } >h.eml &&
		test_exit_in "0 1" scan --json h.eml >out && test_one_verdict out
	'
done

for f in "$R"/fuzz-rules/*; do
	[ -f "$f" ] || continue
	test_expect_success "rules $(basename "$f")" '
		cp "$f" r.rules && chmod 644 r.rules &&
		test_exit_in "0 1" "$LW_SCAN" --lint-rules r.rules >out
	'
done

for f in "$R"/fuzz-config/*; do
	[ -f "$f" ] || continue
	test_expect_success "config $(basename "$f")" '
		cp "$f" c.conf && chmod 644 c.conf &&
		test_exit_in "0 2" "$LW_SCAN" -c c.conf --dump-config >out 2>err
	'
done

feed_file() { # feed_file N: the file name first byte N stands for in fuzz-feed
	echo feed.txt feed.csv feed.json feed.domain.txt feed.url.csv feed.ip.list feed.sha256.txt \
		feed.email-addr.csv | cut -d" " -f$(($1 + 1))
}
for f in "$R"/fuzz-feed/*; do
	[ -f "$f" ] || continue
	test_expect_success "feed $(basename "$f")" '
		rm -rf feed && mkdir feed &&
		first=$(od -An -tu1 -N1 "$f" | tr -d " ") &&
		if [ -n "$first" ] && [ "$first" -lt 8 ]; then
			tail -c +2 "$f" >"feed/$(feed_file "$first")"
		else
			cp "$f" feed/fuzz-feed
		fi &&
		chmod 644 feed/* &&
		test_exit_in "0 1" "$LW_IOC" load feed/* >out 2>&1
	'
done

test_done
