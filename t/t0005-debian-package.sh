#!/bin/sh
test_description='the Debian package: built from the distribution tree, its contents, and (in CI) installed, run as the unit runs it behind Postfix, purged'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

# A package build is a full build: make check does not run this script;
# contrib/build-deb does (CI calls it as its own stage, with --install).
[ "${LW_DEB_BUILD:-}" = yes ] ||
	test_skip_all "the package build is a full build: contrib/build-deb runs this script"
command -v dpkg-buildpackage >/dev/null ||
	test_skip_all "dpkg-buildpackage is not installed (contrib/setup-debian installs it)"

# LW_DEB_INSTALL=yes (contrib/build-deb --install, as CI runs it): install,
# run and purge on this machine, which must be one where that is allowed.
if [ "${LW_DEB_INSTALL:-}" = yes ] && test_have_prereq ROOT,POSTFIX && command -v swaks >/dev/null; then
	test_set_prereq INSTALL
else
	say "not installing the package: needs root, Postfix, swaks and contrib/build-deb --install (CI)"
fi

UNIT=/lib/systemd/system/lurewatch-milter.service
CONF=/etc/lurewatch/lurewatch.conf
MILTER_PID=
test_at_exit 'milter_stop; postfix_stop "$TRASH/pf"; [ -z "${POSTFIX_ADDED:-}" ] || gpasswd -d postfix lurewatch >/dev/null 2>&1'

# unit_lines KEY: the values of KEY= in the installed milter unit, one per line
unit_lines() {
	sed -n "s/^$1=//p" "$UNIT"
}

# sandbox CMD...: run CMD (a unit's command line) as systemd runs it under
# the unit's settings, emulated with a mount namespace: ProtectSystem=strict
# (every mount read-only but /dev, /proc, /sys and ReadWritePaths=),
# PrivateTmp=, ProtectHome=, NoNewPrivileges=, Group= and
# CapabilityBoundingSet= (setpriv). A script that exec's into CMD, so that
# a background sandbox's $! is CMD's pid.
cat >"$TRASH/sandbox" <<'EOF_SANDBOX'
#!/bin/sh
unit=$1; shift
rw=$(sed -n "s/^ReadWritePaths=//p" "$unit")
group=$(sed -n "s/^Group=//p" "$unit")
# CAP_SETUID CAP_CHOWN ... -> -all,+setuid,+chown,...
caps=-all$(sed -n "s/^CapabilityBoundingSet=//p" "$unit" | tr "A-Z " "a-z\n" | sed -n "s/^cap_/,+/p" | tr -d "\n")
exec unshare -m --propagation private sh -c '
	set -e
	rw=$1 group=$2 caps=$3; shift 3
	for p in $rw; do mount --bind "$p" "$p"; done
	awk "{ print \$5 }" /proc/self/mountinfo | sort -u | while read -r mp; do
		case "$mp" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
		keep=
		for p in $rw; do case "$mp" in "$p"|"$p"/*) keep=1 ;; esac; done
		[ -n "$keep" ] || mount -o remount,bind,ro "$mp"
	done
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	mount -t tmpfs -o mode=1777 tmpfs /var/tmp
	for h in /home /root; do [ ! -d "$h" ] || mount -t tmpfs -o ro,mode=0755 tmpfs "$h"; done
	exec setpriv --no-new-privs --regid "$group" --clear-groups --bounding-set "$caps" -- "$@"
' sandbox "$rw" "$group" "$caps" "$@"
EOF_SANDBOX
chmod +x "$TRASH/sandbox"
in_sandbox() {
	"$TRASH/sandbox" "$UNIT" "$@"
}

# wait_started LOG: the milter logs "started:" once it serves (engine loads
# take long on a loaded machine: polls for up to 5 minutes)
wait_started() {
	local i=0
	while ! grep -q "started:" "$1"; do
		i=$((i + 1))
		[ $i -gt 3000 ] && { cat "$1"; return 1; }
		kill -0 "$MILTER_PID" 2>/dev/null || { echo "the milter exited:"; cat "$1"; return 1; }
		sleep 0.1
	done
}

test_expect_success 'debian/control build-depends on every library package configure requires' '
	sed -n "s/^LW_REQUIRE(\[[A-Z0-9]*\], *\[[^]]*\], *\[\([^]]*\)\]).*/\1/p" \
		"$top_srcdir/configure.ac" >required &&
	test -s required &&
	while read -r pkg; do
		grep -q "^ *$pkg,\{0,1\}\$" "$top_srcdir/debian/control" ||
		{ echo "configure requires $pkg, debian/control does not build-depend on it"; return 1; }
	done <required
'

test_expect_success 'dpkg-buildpackage builds the package from the distribution tree' '
	version=$(sed -n "s/^PACKAGE_VERSION = //p" "$top_builddir/Makefile") &&
	mkdir -p "$TRASH/src" &&
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" distdir \
		distdir="$TRASH/src/lurewatch-$version" >/dev/null &&
	(cd "$TRASH/src/lurewatch-$version" &&
	 DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b >"$TRASH/build.log" 2>&1) ||
	{ tail -40 "$TRASH/build.log"; false; }
'
DEB=$(ls "$TRASH"/src/lurewatch_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] && test_set_prereq DEB

test_expect_success DEB 'lintian finds no errors and no warnings (informational tags are listed below)' '
	# what remains is fixed or overridden with its reason (debian/lurewatch.lintian-overrides)
	lintian --fail-on error,warning --tag-display-limit 0 -I "$TRASH"/src/lurewatch_*.changes \
		>lintian.out 2>&1 ||
	{ grep -v "^[IPN]: " lintian.out; false; }
'
[ ! -f lintian.out ] || sed -n 's/^\([WI]\): /# lintian \1: /p' lintian.out

test_expect_success DEB 'binaries in /usr/sbin and /usr/bin, data in /usr/share/lurewatch, units, README' '
	dpkg-deb -c "$DEB" | awk "{ print \$6 }" | sed "s|^\./|/|" >contents &&
	for f in /usr/sbin/lurewatch-milter /usr/sbin/lurewatch-report /usr/sbin/lurewatch-review \
		/usr/bin/lurewatch-scan /usr/bin/lurewatch-ioc /lib/systemd/system/lurewatch-review.service \
		/usr/share/lurewatch/rules/lurewatch.rules /usr/share/lurewatch/brands.txt \
		/usr/share/lurewatch/signatures/lurewatch.yar /usr/share/lurewatch/warninglists/tranco10k.json \
		/lib/systemd/system/lurewatch-milter.service /lib/systemd/system/lurewatch-report.service \
		/lib/systemd/system/lurewatch-report.timer /lib/systemd/system/lurewatch-ioc-export.service \
		/lib/systemd/system/lurewatch-report-apply.service /lib/systemd/system/lurewatch-report-apply.timer \
		/lib/systemd/system/lurewatch-ioc-export.timer /usr/share/doc/lurewatch/README \
		/usr/share/doc/lurewatch/copyright /etc/lurewatch/lurewatch.conf \
		/var/spool/lurewatch/quarantine/ /var/lib/lurewatch/export/; do
		grep -qx "$f" contents || { echo "not in the package: $f"; return 1; }
	done
'

test_expect_success DEB 'the man pages make install installs are in the package' '
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" install-man DESTDIR="$TRASH/man-inst" >/dev/null 2>&1 || :
	find "$TRASH/man-inst" -type f -printf "%f\n" 2>/dev/null | sort >man-pages &&
	if test -s man-pages; then
		while read -r page; do
			grep -q "^/usr/share/man/man[0-9]/$page\(\.gz\)\?$" contents || { echo "not in the package: $page"; return 1; }
		done <man-pages
	else
		say "make install installs no man pages in this tree"
	fi
'

test_expect_success DEB 'units name the installed binaries and configuration' '
	dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$TRASH" ./lib/systemd/system ./etc/lurewatch &&
	test_grep "^ExecStart=/usr/sbin/lurewatch-milter .*-c /etc/lurewatch/lurewatch.conf" \
		"$TRASH/lib/systemd/system/lurewatch-milter.service" &&
	test_grep "^ExecStart=/usr/sbin/lurewatch-report " "$TRASH/lib/systemd/system/lurewatch-report.service" &&
	test_grep "^ExecStart=/usr/sbin/lurewatch-review -f -c /etc/lurewatch/lurewatch.conf -u lurewatch$" \
		"$TRASH/lib/systemd/system/lurewatch-review.service" &&
	test_grep "^Documentation=file:/usr/share/doc/lurewatch/README$" \
		"$TRASH/lib/systemd/system/lurewatch-milter.service"
'

test_expect_success DEB '/etc/lurewatch/lurewatch.conf is a conffile naming files the package ships' '
	dpkg-deb -e "$DEB" "$TRASH/control" &&
	test_grep "^/etc/lurewatch/lurewatch.conf$" "$TRASH/control/conffiles" &&
	conf=$TRASH/etc/lurewatch/lurewatch.conf &&
	test_grep "^user = \"lurewatch\"" "$conf" &&
	for k in rules_file brands_file warninglists_dir; do
		v=$(sed -n "s/^$k = \"\(.*\)\"$/\1/p" "$conf") &&
		test -n "$v" && { grep -qx "$v" contents || grep -qx "$v/" contents; } ||
		{ echo "$k = \"$v\": not a path the package ships"; return 1; }
	done
'

test_expect_success DEB 'postinst makes the lurewatch system user and enables, but does not start, the milter; the review service neither' '
	test_grep "adduser --system .*lurewatch" "$TRASH/control/postinst" &&
	test_grep "deb-systemd-helper .*enable.* .lurewatch-milter.service" "$TRASH/control/postinst" &&
	# --no-enable: the review unit is enabled again only where it was (debian-installed)
	test_grep "deb-systemd-helper debian-installed .lurewatch-review.service" "$TRASH/control/postinst" &&
	test_grep -v "deb-systemd-invoke +(start|restart) " "$TRASH/control/postinst"
'

test_expect_success DEB 'an upgrade restarts a running milter after unpacking and never leaves it stopped' '
	test_grep "deb-systemd-invoke try-restart .*lurewatch-milter.service" "$TRASH/control/postinst" &&
	{ test ! -f "$TRASH/control/preinst" || test_grep -v "lurewatch-milter" "$TRASH/control/preinst"; } &&
	test_grep "deb-systemd-invoke stop lurewatch-milter.service" "$TRASH/control/prerm" &&
	test_grep "\"\\\$1\" = remove" "$TRASH/control/prerm"
'

test_expect_success DEB,INSTALL 'dpkg -i installs it: user, directories owned by it, the milter enabled' '
	{ dpkg -i "$DEB" >dpkg.out 2>&1 || { cat dpkg.out; false; }; } &&
	getent passwd lurewatch >passwd &&
	uid=$(cut -d: -f3 passwd) && test "$uid" -lt 1000 &&
	for d in /var/spool/lurewatch /var/spool/lurewatch/quarantine /var/lib/lurewatch /var/lib/lurewatch/export; do
		test "$(stat -c "%U:%G %a" "$d")" = "lurewatch:lurewatch 750" ||
		{ echo "$d: $(stat -c "%U:%G %a" "$d")"; return 1; }
	done &&
	test "$(stat -c "%U:%G %a" $CONF)" = "root:lurewatch 640" &&
	test -L /etc/systemd/system/multi-user.target.wants/lurewatch-milter.service
'

test_expect_success DEB,INSTALL 'systemd-analyze verify accepts the installed units' '
	if ! command -v systemd-analyze >/dev/null; then
		say "no systemd-analyze: the installed units are not verified"
	else
		grep "^/lib/systemd/system/." contents >units &&
		test_line_count -ge 3 units &&
		systemd-analyze verify $(cat units) >verify.out 2>&1 &&
		{ test ! -s verify.out || { cat verify.out; false; }; }
	fi
'

test_expect_success DEB,INSTALL 'the unit'\''s ExecStartPre lines pass, -t under the sandbox' '
	# RuntimeDirectory=lurewatch with Group=lurewatch, as systemd makes it
	install -d -o root -g lurewatch -m 0750 /run/lurewatch &&
	unit_lines ExecStartPre >pre &&
	test_grep "^\+" pre && test_grep "lurewatch-milter -t " pre &&
	while read -r line; do
		case "$line" in
		+*) ${line#+} ;;
		*) in_sandbox $line ;;
		esac || { echo "failed: $line"; return 1; }
	done <pre
'

test_expect_success DEB,INSTALL 'the ExecStart line, run under the unit'\''s sandbox, serves Postfix' '
	execstart=$(unit_lines ExecStart) &&
	test -n "$execstart" &&
	{ "$TRASH/sandbox" "$UNIT" $execstart >milter.log 2>&1 & } &&
	MILTER_PID=$! &&
	wait_started milter.log &&
	test "$(stat -c %U /run/lurewatch/milter.sock)" = lurewatch &&
	# the README: the postfix user joins the lurewatch group to reach the socket
	adduser --quiet postfix lurewatch && POSTFIX_ADDED=1 &&
	postfix_setup "$TRASH/pf" $(free_port) unix:/run/lurewatch/milter.sock &&
	postfix_start "$TRASH/pf"
'

test_expect_success DEB,INSTALL 'a clean sample mail is delivered, the phishing sample rejected' '
	samples=/usr/share/lurewatch/samples &&
	postfix_send "$TRASH/pf" $samples/01-clean-meeting.eml >clean.out 2>&1 &&
	test_must_fail postfix_send "$TRASH/pf" $samples/02-phish-credential-zh.eml >phish.out 2>&1 &&
	test_grep "550 5.7.1" phish.out &&
	postfix_wait_delivered "$TRASH/pf" 1 &&
	postfix_delivered "$TRASH/pf" >delivered &&
	test_line_count = 1 delivered &&
	test_grep "^X-Lurewatch-Verdict: accept" "$(cat delivered)" &&
	test_grep "verdict=reject" milter.log
'

# The spool and the quarantine store are written by the milter after it
# dropped to lurewatch: in its mount namespace, as that user.
test_expect_success DEB,INSTALL 'in the sandbox the spool and quarantine store are writable by lurewatch, the system is not' '
	as_milter() { nsenter -t "$MILTER_PID" -m setpriv --reuid lurewatch --regid lurewatch --clear-groups -- "$@"; } &&
	bset() { sed -n "s/^CapBnd:[[:space:]]*//p" /proc/$1/status; } &&
	test "$(bset "$MILTER_PID")" != "$(bset $$)" &&
	for d in /var/spool/lurewatch /var/spool/lurewatch/quarantine; do
		as_milter sh -c "touch $d/.lw-probe && rm $d/.lw-probe" || { echo "$d: not writable"; return 1; }
	done &&
	test_must_fail nsenter -t "$MILTER_PID" -m touch /var/lib/lw-sandbox-probe 2>/dev/null &&
	test_must_fail nsenter -t "$MILTER_PID" -m touch /usr/lw-sandbox-probe 2>/dev/null &&
	test_must_fail nsenter -t "$MILTER_PID" -m touch /etc/lurewatch/lw-sandbox-probe 2>/dev/null &&
	test ! -e /usr/lw-sandbox-probe
'

test_expect_success DEB,INSTALL 'SIGTERM stops it; dpkg --purge removes its files and state' '
	milter_stop &&
	postfix_stop "$TRASH/pf" &&
	gpasswd -d postfix lurewatch >/dev/null && POSTFIX_ADDED= &&
	{ dpkg --purge lurewatch >purge.out 2>&1 || { cat purge.out; false; }; } &&
	for f in /usr/sbin/lurewatch-milter /etc/lurewatch /var/spool/lurewatch /var/lib/lurewatch $UNIT \
		/etc/systemd/system/multi-user.target.wants/lurewatch-milter.service; do
		test ! -e "$f" || { echo "left after purge: $f"; return 1; }
	done
'

test_done
