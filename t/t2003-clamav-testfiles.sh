#!/bin/sh
# t2003-clamav-testfiles.sh - executables found inside every container format libclamav unpacks
test_description='clamav: the harmless clam.exe of clamav-testfiles inside 7z, arj, cab, chm, cpio, tar.gz, zip, OLE2, PDF, RTF, ...'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-clamav.sh"

# Debian package clamav-testfiles: ClamAV's own harmless test files, the same
# small PE (clam.exe) packed in many container formats.
TESTFILES=${LW_CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}
[ -f "$TESTFILES/clam.zip" ] || test_skip_all "clamav-testfiles is not installed ($TESTFILES)"
test_have_prereq PYTHON || test_skip_all "python3 is needed to build the messages"

# wrap FILE: a message with FILE attached under a neutral name, so only the content can tell
wrap() {
	"$PYTHON" - "$TESTFILES/$1" "$1.eml" <<-'PY'
	import sys, email.encoders, email.mime.base, email.mime.multipart, email.mime.text
	m = email.mime.multipart.MIMEMultipart()
	m["From"], m["To"], m["Subject"] = "a@example.org", "b@example.org", "files"
	m.attach(email.mime.text.MIMEText("see attached"))
	p = email.mime.base.MIMEBase("application", "octet-stream")
	p.set_payload(open(sys.argv[1], "rb").read())
	email.encoders.encode_base64(p)
	p.add_header("Content-Disposition", "attachment", filename="sample.dat")
	m.attach(p)
	open(sys.argv[2], "wb").write(m.as_bytes())
	PY
}

NAMED="clam.7z clam.arj clam.cab clam.zip clam.impl.zip clam.bz2.zip clam.d64.zip clam.newc.cpio clam.tar.gz"
UNNAMED="clam.exe.bz2 clam.exe.rtf clam.exe.szdd clam.exe.binhex clam.pdf clam.ppt clam.ole.doc clam.chm clam.tnef"

test_expect_success 'the executable is found by content inside archives, with its name' '
	for f in $NAMED; do
		wrap $f && "$LW_SCAN" $LW_CLAMAV_OPTS --json $f.eml >$f.json &&
		test_json_rules $f.json >$f.rules &&
		test_grep "^LW_ATT_EXECUTABLE$" $f.rules &&
		test_grep "sample.dat\\) (> \\? )?> (clam|CLAM).(exe|EXE)" $f.json || return 1
	done
'

test_expect_success 'and inside compressed, encoded and document containers' '
	for f in $UNNAMED; do
		wrap $f && "$LW_SCAN" $LW_CLAMAV_OPTS --json $f.eml >$f.json &&
		test_json_rules $f.json >$f.rules &&
		test_grep "^LW_ATT_EXECUTABLE$" $f.rules || return 1
	done
'

test_expect_success 'libclamav scratch names never show as file names' '
	cat *.json >all &&
	test_must_fail grep -E "clamav-[0-9a-f]{32}" all &&
	test_must_fail grep -E "\"type\":\"filename\",\"value\":\"[0-9a-f]{32}_" all &&
	test_grep "\"type\":\"filename\",\"value\":\"clam.exe\"" all
'

test_done
