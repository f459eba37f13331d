#!/bin/sh
# t3004-export-feed-loop.sh - the loop closes: agency A's export, loaded as a feed by B, makes B catch the mail
test_description='A exports STIX/MISP; B reads it from feeds_dir and scores the same message'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-export.sh"

start_redis

# mail FROM LINK: a message as campaign c1 sends it
mail() {
	cat <<-EOF
	From: Account Team <$1>
	To: someone@agency-b.gov.example
	Subject: Account verification required
	Message-ID: <loop-$$@c1-mail.example>
	Date: Mon, 23 Nov 2026 09:00:00 +0800
	MIME-Version: 1.0
	Content-Type: text/plain; charset=utf-8

	Please verify your account at $2 today.
	EOF
}

test_expect_success 'agency A exports campaign c1' '
	hits_add --prefix a --count 4 --campaigns c1 &&
	export_conf a.conf "$TRASH/a" "Agency A" export_formats=stix,misp &&
	lw_ioc export -c a.conf >/dev/null &&
	test -s a/lurewatch-stix.json
'

for fmt in stix misp; do
	test_expect_success "agency B catches c1 through A's $fmt export in its feeds_dir" '
		rm -rf feeds-$fmt && mkdir feeds-$fmt &&
		cp a/lurewatch-$fmt.json feeds-$fmt/agency-a-$fmt.json &&
		mail user0@c1-mail.example https://c1-login.example/verify/0 >c1.eml &&
		mail friend@clean.example https://www.example.org/ >clean.eml &&
		cat >b-$fmt.conf <<-EOF &&
		feeds_dir = $TRASH/feeds-$fmt
		rules_file = $top_srcdir/contrib/rules/lurewatch.rules
		EOF
		"$LW_SCAN" -c b-$fmt.conf --json c1.eml >c1.json &&
		"$LW_SCAN" -c b-$fmt.conf --json clean.eml >clean.json &&
		"$PYTHON" - c1.json clean.json <<-\PY
		import json, sys
		hit = json.loads(open(sys.argv[1]).read().splitlines()[0])
		clean = json.loads(open(sys.argv[2]).read().splitlines()[0])
		ev = json.dumps(hit["hits"])
		assert "c1-login.example" in ev or "c1-mail.example" in ev, hit["hits"]
		assert hit["score"] > clean["score"], (hit["score"], clean["score"])
		assert "c1-" not in json.dumps(clean["hits"])
		PY
	'
done

test_done
