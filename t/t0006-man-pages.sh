#!/bin/sh
test_description='man pages: each renders without a warning, has the sections an administrator looks for, names every option; lurewatch.conf(5) is generated from the key table, lists every key and is not stale; make install puts them in mandir'
. "$(dirname "$0")/test-lib.sh"

command -v groff >/dev/null 2>&1 || test_skip_all "no groff: the man pages cannot be rendered (apt-get install groff-base)"

MAN=$top_builddir/man
PAGES="lurewatch-milter.8 lurewatch-report.8 lurewatch-review.8 lurewatch-scan.1 lurewatch-ioc.1 lurewatch.conf.5"

# render PAGE: plain ASCII text of the built page, warnings (all of them: -ww) in PAGE.warn
render() {
	groff -man -ww -Tascii -P-cbou "$MAN/$1" >"$1.txt" 2>"$1.warn"
}

# in_make TARGET: run a target of the build tree's Makefile, not of the make running the tests
in_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top_builddir" "$@"
}

test_expect_success 'every page renders with no groff warning' '
	for p in $PAGES; do
		render $p || { echo "$p: groff failed" >&2; cat $p.warn >&2; return 1; }
		test -s $p.txt || { echo "$p: rendered to nothing" >&2; return 1; }
		test ! -s $p.warn || { echo "$p: warnings:" >&2; cat $p.warn >&2; return 1; }
	done
'

test_expect_success 'man -l reads each page too' '
	if ! command -v man >/dev/null 2>&1; then
		say "no man: only groff rendered the pages"
	else
		for p in $PAGES; do
			MANWIDTH=80 man --warnings -l "$MAN/$p" >man.out 2>man.warn &&
			test ! -s man.warn && test_grep "^NAME" man.out ||
			{ echo "man -l $p:" >&2; cat man.warn >&2; return 1; }
		done
	fi
'

test_expect_success 'the program pages have synopsis, options, signals, files, exit status and see also' '
	for p in lurewatch-milter.8 lurewatch-report.8 lurewatch-review.8 lurewatch-scan.1 lurewatch-ioc.1; do
		for s in NAME SYNOPSIS DESCRIPTION OPTIONS SIGNALS FILES "EXIT STATUS" "SEE ALSO"; do
			grep -q "^$s\$" $p.txt || { echo "$p: no section $s" >&2; return 1; }
		done
	done &&
	for s in NAME SYNOPSIS DESCRIPTION KEYS FILES "SEE ALSO"; do
		grep -q "^$s\$" lurewatch.conf.5.txt || { echo "lurewatch.conf.5: no section $s" >&2; return 1; }
	done
'

test_expect_success 'lurewatch-milter(8) names the reload, stop and counters signals' '
	sed -n "/^SIGNALS/,/^[A-Z]/p" lurewatch-milter.8.txt >signals &&
	test_grep "SIGHUP, SIGUSR1" signals && test_grep "Reload" signals &&
	test_grep "SIGUSR2" signals && test_grep "SIGTERM" signals
'

# long_options TOOL [COMMAND]: the --long options its --help lists, but --help itself
long_options() {
	"$@" --help | sed -n "s/^  *\(-[a-zA-Z], \)\{0,1\}\(--[a-z-]*\).*/\2/p" | grep -v "^--help"
}

test_expect_success 'every option a tool'\''s --help lists is in its page' '
	long_options "$LW_MILTER" >milter.opts && long_options "$LW_SCAN" >scan.opts &&
	long_options "$LW_REPORT" >report.opts && long_options "$LW_REVIEW" >review.opts &&
	{ long_options "$LW_IOC"; long_options "$LW_IOC" export; long_options "$LW_IOC" correlate; } >ioc.opts &&
	test -s milter.opts && test -s ioc.opts &&
	for pair in milter:lurewatch-milter.8 scan:lurewatch-scan.1 report:lurewatch-report.8 \
		review:lurewatch-review.8 ioc:lurewatch-ioc.1; do
		while read o; do
			grep -q -- "$o" ${pair#*:}.txt || { echo "${pair#*:}: option $o missing" >&2; return 1; }
		done <${pair%%:*}.opts || return 1
	done
'

test_expect_success 'every command a tool'\''s --help lists is described in its page' '
	for pair in "$LW_REPORT":lurewatch-report.8 "$LW_IOC":lurewatch-ioc.1; do
		"${pair%%:*}" --help | sed -n "/^Commands:/,/^\$/s/^  \([a-z]*\) .*/\1/p" >commands &&
		test -s commands &&
		while read c; do
			grep -Eq "^       $c( |\$)" ${pair#*:}.txt || { echo "${pair#*:}: command $c not described" >&2; return 1; }
		done <commands || return 1
	done
'

test_expect_success 'lurewatch.conf(5) has a paragraph for every key of the configuration table' '
	"$LW_SCAN" --dump-config | sed -n "s/^\([a-z_0-9]*\) = .*/\1/p" >keys &&
	test_line_count -gt 50 keys &&
	missing= &&
	while read k; do
		grep -Eq "^       $k( |$)" lurewatch.conf.5.txt || missing="$missing $k"
	done <keys &&
	test -z "$missing" || { echo "keys not in lurewatch.conf(5):$missing" >&2; false; }
'

test_expect_success 'each key shows its help and its built-in default' '
	sed -n "/^       max_parts\$/,/^       max_depth\$/p" lurewatch.conf.5.txt >entry &&
	test_grep "most MIME parts examined in one message" entry &&
	test_grep "integer, 1 to 1000000; default: 500\." entry &&
	sed -n "/^       failure_policy\$/,/^       add_headers\$/p" lurewatch.conf.5.txt >entry &&
	test_grep "one of accept, tempfail; default: tempfail\." entry
'

test_expect_success 'the committed lurewatch.conf(5) is what the key table makes now (else: make update-man)' '
	in_make man-config >generated &&
	test_cmp "$top_srcdir/man/lurewatch.conf.5.in" generated
'

test_expect_success 'make install puts every page in its section of mandir, paths filled in' '
	in_make install-man DESTDIR="$TRASH/inst" &&
	printf "include Makefile\nprint-mandir:\n\t@echo \$(mandir) \$(sysconfdir)\n" >print.mk &&
	set -- $(in_make -f "$TRASH/print.mk" print-mandir) &&
	for p in $PAGES; do
		test -f "$TRASH/inst$1/man${p##*.}/$p" || { echo "not installed: $1/man${p##*.}/$p" >&2; return 1; }
	done &&
	test_grep -v "@[a-z]*@" "$TRASH/inst$1"/man*/lurewatch* &&
	test_grep "^\.I $2/lurewatch/lurewatch.conf$" "$TRASH/inst$1/man8/lurewatch-milter.8"
'

test_done
