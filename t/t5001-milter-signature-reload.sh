#!/bin/sh
test_description='lurewatch-milter picks up new signatures on disk without a signal or a lost message'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-postfix.sh"
. "$top_srcdir/t/lib-milter.sh"

milter_postfix_init
MARKER=LUREWATCH-NEW-CAMPAIGN-SIGNATURE-0001

attach_msg() { # attach_msg FILE ID: a message with an attachment carrying the marker
	"$PYTHON" - "$1" "$2" "$MARKER" <<-'EOF'
	import sys
	from email.message import EmailMessage
	m = EmailMessage()
	m["From"] = "sender@example.org"; m["To"] = "user@example.net"
	m["Subject"] = "report"; m["Message-ID"] = "<%s@example.org>" % sys.argv[2]
	m.set_content("see attached")
	m.add_attachment(("data " + sys.argv[3] + " data\n").encode(), maintype="application",
	                 subtype="octet-stream", filename="report.dat")
	open(sys.argv[1], "wb").write(bytes(m))
	EOF
}

test_expect_success 'start with only the shipped signatures, checking the disk every second' '
	mkdir sigs && cp "$top_srcdir"/contrib/signatures/* sigs/ &&
	milter_postfix_start -o rules_file="$TEST_DATA/test.rules" -o clamav_db="$TRASH/sigs" \
		-o reload_check_interval=1
'

test_expect_success 'before the new signature the attachment is delivered' '
	attach_msg before.eml before &&
	postfix_send "$PF" before.eml >out &&
	postfix_wait_delivered "$PF" 1
'

test_expect_success 'a new .ndb file in the signature directory is loaded by the periodic check' '
	hex=$(printf "%s" "$MARKER" | od -An -tx1 | tr -d " \n") &&
	echo "Lurewatch.Test.NewCampaign:0:*:$hex" >sigs/new-campaign.ndb &&
	wait_for grep -q "reload: signatures or feeds changed on disk" "$MILTER_LOG" &&
	wait_for grep -q "reload: new engine in service" "$MILTER_LOG"
'

test_expect_success 'after the reload the same attachment is caught by the new signature' '
	attach_msg after.eml after &&
	test_must_fail postfix_send "$PF" after.eml >out 2>&1 &&
	test_grep "550 5.7.1" out &&
	test_grep "msgid=<after@example.org>.* verdict=reject .*LW_ATT_CLAMAV_SIGNATURE" "$MILTER_LOG"
'

test_expect_success 'a corrupt signature file keeps the working engine and says why' '
	echo "this is not a signature" >sigs/broken.ndb &&
	wait_for grep -q "reload failed, keeping the current engine" "$MILTER_LOG" &&
	attach_msg again.eml again &&
	test_must_fail postfix_send "$PF" again.eml >out 2>&1 &&
	test_grep "550 5.7.1" out
'

test_done
