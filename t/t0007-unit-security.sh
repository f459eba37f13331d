#!/bin/sh
test_description='the milter unit'\''s sandbox as systemd-analyze security scores it: only the exposures the milter needs'
. "$(dirname "$0")/test-lib.sh"

# t0005 runs the unit's command lines under an emulation of its mount
# settings, but not its system call, address family and device filters
# (no systemd-run here). This test reads all of them as systemd does:
# systemd-analyze security --offline (systemd 250 and later) scores the
# unit file without loading it. Each setting it finds wanting must be one
# listed below with the reason the milter needs it; anything else (a
# filter or protection removed) fails with the setting's name.
UNIT=$top_builddir/contrib/systemd/lurewatch-milter.service
test -f "$UNIT" || test_skip_all "$UNIT is not built (make)"
systemd-analyze security --offline=yes "$UNIT" >/dev/null 2>&1 ||
	test_skip_all "systemd-analyze security --offline=yes needs systemd 250 or later"
test_have_prereq PYTHON || test_skip_all "python3 is not installed"

# Settings the milter cannot have, each with its reason (README, "The Debian package").
cat >needed <<'EOF'
User=/DynamicUser=	starts as root to bind the socket and give the spool to user, then drops to it for good (-u)
SystemCallFilter=~@privileged	chown of the socket and spool, setgid/setuid when it drops privileges
CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)	the drop to user
CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)	the socket and the spool directories given to user
CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)	root preparing directories that belong to user
PrivateUsers=	a user namespace would map away the lurewatch user the files are given to
RootDirectory=/RootImage=	reads the system's rules, ClamAV signatures and feeds where they are installed
PrivateMounts=	nothing to keep private: no CAP_SYS_ADMIN and @mount filtered, it cannot mount
PrivateNetwork=	a network service: Postfix over inet, Redis, the metrics endpoint
RestrictAddressFamilies=~AF_(INET|INET6)	inet milter socket, Redis, metrics
RestrictAddressFamilies=~AF_UNIX	unix milter socket, syslog, Redis over a unix socket
IPAddressDeny=	allow list of localhost only; a remote Redis needs IPAddressAllow=
MemoryDenyWriteExecute=	PCRE2's JIT (rules_jit = yes) writes the compiled rules into executable memory
DeviceAllow=	char-rtc:r, which ProtectClock= itself adds
UMask=	0027: the group lurewatch reads what the milter writes
EOF
cut -f1 needed | sort >expect

test_expect_success 'the settings systemd-analyze finds wanting are exactly the ones the milter needs' '
	systemd-analyze security --offline=yes --json=short "$UNIT" >security.json &&
	"$PYTHON" -c "import json, sys
for c in json.load(open(sys.argv[1])):
    if not c[\"set\"] and c[\"exposure\"]:
        print(c[\"name\"])" security.json | sort >actual &&
	test_cmp expect actual
'

# 24 on systemd-analyze's 0-100 scale is the 2.4 it prints: the sum of the
# exposures above (the upper part of its "OK" band, 1.0 to 4.9). A unit
# that loses a protection scores more and fails here.
test_expect_success 'its overall exposure is at most 2.4 (systemd-analyze --threshold=24)' '
	systemd-analyze security --offline=yes --threshold=24 "$UNIT" >score 2>&1 ||
	{ tail -1 score >&2; false; }
'

test_done
