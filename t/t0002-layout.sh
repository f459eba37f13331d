#!/bin/sh
test_description='layout: dependencies run one way, from util/ up to the programs'
. "$(dirname "$0")/test-lib.sh"

# includes FILE... - the project headers the files include, one per line
includes() {
	sed -n 's/^#include "\([^"]*\)".*/\1/p' "$@" | sort -u
}

# only_from ROOM ALLOWED-REGEX - every project header ROOM's files include
# is config.h, one of ROOM's own, or matches ALLOWED-REGEX; prints the rest
only_from() {
	room=$1 allowed=$2
	includes "$top_srcdir/$room"/*.[ch] |
		grep -v -E "^(config\\.h|[a-z_-]+\\.h|$allowed)\$" >"wrong-$(echo "$room" | tr / -)" || :
	if test -s "wrong-$(echo "$room" | tr / -)"; then
		echo "$room includes headers from rooms above it:" >&2
		cat "wrong-$(echo "$room" | tr / -)" >&2
		return 1
	fi
}

test_expect_success 'util/ includes nothing of lurewatch but itself' '
	only_from analyzers/util "util/.*"
'

test_expect_success 'model/ includes only util/ and itself' '
	only_from analyzers/model "(util|model)/.*"
'

test_expect_success 'indicators/ and cache/ include only util/, model/ and themselves' '
	only_from analyzers/indicators "(util|model|indicators)/.*" &&
	only_from analyzers/cache "(util|model|cache)/.*"
'

test_expect_success 'the analyzers include no program folder (ioc/, milter/, review/, scan/)' '
	only_from analyzers "(util|model|indicators|cache)/.*"
'

test_expect_success 'no file of the core includes libmilter' '
	if grep -l "libmilter" "$top_srcdir"/analyzers/*.[ch] "$top_srcdir"/analyzers/*/*.[ch]; then
		echo "expected no core file to include libmilter; the files above do" >&2
		false
	fi
'

test_expect_success 'the indicator tool, the review tool and the scanner include the core, never the milter' '
	only_from ioc "(util|model|indicators|cache)/.*|engine\\.h|analyzer\\.h" &&
	only_from review "(util|model|cache)/.*|review/.*" &&
	only_from review/service "(util|model|cache)/.*|review/.*" &&
	only_from scan "(util|model|cache)/.*|engine\\.h|prefilter\\.h|rulefile\\.h"
'

# calls LIBRARY... - "CALLER DEFINER" for every global symbol one object of
# the libraries uses and another defines (nm -P lines: "lib[x.o]: sym T ...")
calls() {
	nm -A -g -P "$@" | awk '
		{ obj = $1; sub(/:$/, "", obj) }
		$3 == "U" { used[obj, $2] = 1; next }
		{ def[$2] = obj }
		END {
			for (k in used) {
				split(k, p, SUBSEP)
				if ((p[2] in def) && def[p[2]] != p[1])
					print p[1], def[p[2]]
			}
		}' | sort -u
}

test_expect_success 'the libraries are built, and their objects call each other' '
	for lib in analyzers/liblwcore.a ioc/liblwexport.a review/liblwreview.a; do
		test -f "$top_builddir/$lib" || return 1
	done &&
	calls "$top_builddir/analyzers/liblwcore.a" "$top_builddir/ioc/liblwexport.a" \
		"$top_builddir/review/liblwreview.a" >calls &&
	test_grep "liblwcore.a.message.o. .*liblwcore.a.url-extract.o" calls
'

test_expect_success 'no two object files call each other, directly or round a longer loop' '
	if ! tsort calls >/dev/null 2>loops; then
		echo "expected the calls between object files to run one way; tsort found:" >&2
		cat loops >&2
		false
	fi
'

test_done
