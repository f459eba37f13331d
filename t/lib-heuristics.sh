# lib-heuristics.sh - helpers for the t22xx social-engineering heuristics tests
#
#   mkmail FILE 'Header: value'... [-- BODY]
#       writes a message with the given header fields, then every default
#       field the test did not give (To, Date = now, Message-ID,
#       MIME-Version, Content-Type text/plain UTF-8), then BODY
#   scan_rules FILE [-o key=value]...   rule ids of the hits, one per line
#   expect_rule RULE FILE [-o ...]      the scan of FILE has a hit RULE
#   expect_no_rule RULE FILE [-o ...]   ... has none
#   lure RULE TEXT / calm RULE TEXT     a plain message with body TEXT fires
#                                       RULE / does not
#   subj RULE SUBJECT / calm_subj RULE SUBJECT   the same on the subject line
#
# LW_OPTS points the scanner at heur.conf: the source tree's rules and
# brands files and a protected organization (agency.gov.tw, *.gov.tw), so
# that every test runs against the same identities.

cat >"$TRASH/heur.conf" <<CONF
rules_file = $top_srcdir/contrib/rules/lurewatch.rules
brands_file = $top_srcdir/contrib/brands.txt
protected_domains = agency.gov.tw, *.gov.tw
protected_names = 數位發展部, Ministry of Digital Affairs
vip_names = 王大明, David Wang
trusted_authserv_ids = mx.agency.gov.tw
internal_networks = 127.0.0.0/8, ::1/128, 10.0.0.0/8
CONF
LW_OPTS="-c $TRASH/heur.conf"

mkmail() {
	local file=$1 body= have=
	shift
	{
		while [ $# -gt 0 ]; do
			if [ "$1" = -- ]; then
				body=$2
				break
			fi
			printf '%s\n' "$1"
			have="$have|$(printf '%s' "$1" | sed 's/:.*//' | tr A-Z a-z)"
			shift
		done
		case "$have|" in *"|to|"*) ;; *) echo "To: user@agency.gov.tw" ;; esac
		case "$have|" in *"|date|"*) ;; *) echo "Date: $(LC_ALL=C date -R)" ;; esac
		case "$have|" in *"|message-id|"*) ;; *) echo "Message-ID: <t$$.$(date +%s)@example.org>" ;; esac
		case "$have|" in *"|mime-version|"*) ;; *) echo "MIME-Version: 1.0" ;; esac
		case "$have|" in *"|content-type|"*) ;; *) echo "Content-Type: text/plain; charset=utf-8" ;; esac
		echo
		printf '%s\n' "${body:-Hello, see you at the meeting.}"
	} >"$file"
}

scan_rules() {
	local file=$1
	shift
	"$LW_SCAN" $LW_OPTS "$@" --json "$file" >"$file.json" || return 1
	test_json_rules "$file.json"
}

expect_rule() {
	local rule=$1 file=$2
	shift 2
	scan_rules "$file" "$@" >"$file.rules" || return 1
	if ! grep -qx "$rule" "$file.rules"; then
		echo "expected $rule in $file; got:" >&2
		sed 's/^/    /' "$file.rules" >&2
		return 1
	fi
}

expect_no_rule() {
	local rule=$1 file=$2
	shift 2
	scan_rules "$file" "$@" >"$file.rules" || return 1
	if grep -qx "$rule" "$file.rules"; then
		echo "did not expect $rule in $file; got:" >&2
		sed 's/^/    /' "$file.rules" >&2
		grep -o '"evidence":"[^"]*"' "$file.json" >&2
		return 1
	fi
}

lure() {
	mkmail m "From: A <a@example.com>" "Subject: notice" -- "$2" &&
	expect_rule "$1" m
}

calm() {
	mkmail m "From: A <a@example.com>" "Subject: notice" -- "$2" &&
	expect_no_rule "$1" m
}

subj() {
	mkmail m "From: A <a@example.com>" "Subject: $2" &&
	expect_rule "$1" m
}

calm_subj() {
	mkmail m "From: A <a@example.com>" "Subject: $2" &&
	expect_no_rule "$1" m
}
