# lib-export.sh - a private redis-server and hits-stream helpers for the t3xxx export tests
#
#   start_redis                 redis-server on a free 127.0.0.1 port (lib-redis.sh's
#                               redis_start, name "hits"): REDIS_PORT, rcli
#   export_conf FILE DIR ORG [key=value]...   a configuration for one exporter
#   hits_add ARGS...            synthetic hits entries (t/hits-gen.py ARGS) into the stream
#   lw_ioc ARGS...              the lurewatch-ioc binary
#   pending_is N [STREAM]       N entries of STREAM (lw:hits) delivered to the group
#                               export and not acknowledged (says how many if not)
# Needs prereq REDIS (skips the whole script otherwise).

: "${LW_IOC:=$top_builddir/ioc/lurewatch-ioc}"
STIX_SCHEMAS=$SHARED/schemas/stix2.1/schemas
MISP_SCHEMAS=$SHARED/schemas/misp
if [ -d "$STIX_SCHEMAS" ] && [ -d "$MISP_SCHEMAS" ] && "$PYTHON" -c 'import jsonschema' 2>/dev/null; then
	test_set_prereq SCHEMAS
else
	say "schema checks skipped: needs $SHARED/schemas (stix2.1, misp) and python3-jsonschema"
fi

. "$top_srcdir/t/lib-redis.sh"

start_redis() {
	test_have_prereq REDIS || test_skip_all "redis-server not installed"
	redis_start hits "" --appendonly no || { echo "Bail out! redis-server did not start (see above)"; exit 1; }
	REDIS_PORT=$(redis_port hits)
}

rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

export_conf() {
	local file=$1 dir=$2 org=$3
	shift 3
	{
		echo "redis_server = 127.0.0.1:$REDIS_PORT"
		echo "export_dir = $dir"
		echo "export_org_name = $org"
		echo "export_allowlist = gov.tw"
		for kv in "$@"; do echo "$kv" | sed 's/=/ = /'; done
	} >"$file"
}

hits_add() {
	"$PYTHON" "$top_srcdir/t/hits-gen.py" --stream lw:hits "$@" | redis-cli -p "$REDIS_PORT" --pipe >/dev/null
}

lw_ioc() { "$LW_IOC" "$@"; }

pending_is() {
	test_is = "$1" "$(rcli XPENDING "${2:-lw:hits}" export | head -1)" "entries of ${2:-lw:hits} pending for group export"
}

# ioc_set DIR: "type<TAB>value<TAB>count" of the CSV export, sorted
ioc_set() {
	"$PYTHON" -c 'import csv,sys
rows=list(csv.DictReader(open(sys.argv[1])))
for r in sorted(rows, key=lambda r:(r["type"],r["value"])): print("%s\t%s\t%s\t%s" % (r["type"],r["value"],r["count"],r["recipients"]))' "$1/lurewatch-iocs.csv"
}
