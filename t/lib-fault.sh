# lib-fault.sh - counted mail and its exact accounting for the t9xxx fault tests
#
# Source after test-lib.sh and lib-postfix.sh.
#
#   fault_mails DIR N [PREFIX [FILLER]]
#       mails DIR/0001.eml .. N with Message-ID <PREFIX-i@example.org>
#       (PREFIX default "fault"): every 10th is held (QUARANTINE-ME), every
#       10th+1 rejected (the T_REJECT marker), every other 3rd tagged
#       (TAG-ME) by t/data/test.rules; FILLER (default 500) scales the
#       body: 500 lines + 50 more per i % 40 (a few KB to 150 KB).
#       Of N = 10k mails: k held, k rejected, the rest delivered.
#   fault_expect N      the "delivered D held H rejected R" fault_mails gives
#   fault_send PORT DIR [CONNECTIONS]
#       send every mail of DIR with contrib/bench/smtp-send (a 4xx is
#       retried, a 5xx counted as rejected); its one line goes to stdout
#   fault_account EDGE PREFIX N [HOP_MAILLOG] [MILTER_LOG...]
#       what became of PREFIX-1..N, from Postfix's side: delivered (EDGE's
#       Maildir), held (EDGE's hold queue), rejected (a 5xx at EDGE, or a
#       bounce in HOP's log), and how many were tempfailed at least once
#       (4.7.1 at EDGE) before their final fate. Prints
#         "delivered D held H rejected R missing M duplicated X tempfailed T"
#       and, with milter logs, a second line from the milter's side (its
#       last verdict per message, tempfails counted the same way):
#         "milter delivered D held H rejected R missing M tempfailed T"
#       (the milter cannot see HOP's retries of a message it never scanned).
#   fault_settle EDGE PREFIX N [HOP_MAILLOG]
#       wait until fault_account finds a fate for every one of PREFIX-1..N:
#       Postfix writes its log through postlogd, a moment after the SMTP
#       reply that a rejection is counted from. Gives up (and succeeds, so
#       that the accounting then shows what is missing) after LW_TEST_WAIT s.

fault_mails() {
	"$PYTHON" - "$1" "$2" "${3:-fault}" "${4:-500}" <<-'EOF'
	import os, sys
	d, n, prefix, filler = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
	os.makedirs(d, exist_ok=True)
	for i in range(1, n + 1):
	    body = "plain mail number %d\n" % i
	    if i % 10 == 0:
	        body += "QUARANTINE-ME\n"
	    elif i % 10 == 1:
	        body += "LUREWATCH-TEST-REJECT-7f3c9e2a\n"
	    elif i % 3 == 0:
	        body += "TAG-ME\n"
	    body += ("filler line %d to make the message take a while to scan\n" % i) * (
	        filler + filler // 10 * (i % 40))
	    open("%s/%04d.eml" % (d, i), "w").write(
	        "From: sender@example.org\nTo: user@example.net\nSubject: %s %d\n"
	        "Message-ID: <%s-%d@example.org>\n\n%s" % (prefix, i, prefix, i, body))
	EOF
}

fault_expect() {
	local n=$1
	echo "delivered $((n - 2 * (n / 10))) held $((n / 10)) rejected $((n / 10))"
}

fault_send() {
	ls "$2"/*.eml >"$2.list" &&
	"$PYTHON" "$top_srcdir/contrib/bench/smtp-send" "$1" "$2.list" "${3:-4}"
}

fault_account() {
	local edge=$1 prefix=$2 n=$3 hoplog=${4:-/dev/null}
	shift 3; [ $# -gt 0 ] && shift
	"$PYTHON" - "$edge" "$prefix" "$n" "$hoplog" "$@" <<-'EOF'
	import email, glob, os, re, sys
	edge, prefix, n, hoplog, mlogs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
	want = {"%s-%d@example.org" % (prefix, i) for i in range(1, n + 1)}
	fates, tempfailed = {}, set()
	for f in glob.glob(edge + "/mail/sink/new/*"):
	    m = email.message_from_binary_file(open(f, "rb"))
	    mid = (m.get("Message-ID") or "").strip("<> ")
	    if mid in want and not (m.get("From") or "").startswith("MAILER-DAEMON"):
	        fates.setdefault(mid, []).append("delivered")
	for f in glob.glob(edge + "/queue/hold/**/*", recursive=True):
	    if os.path.isfile(f):
	        mm = re.search(rb"Message-ID: <([^>]+)>", open(f, "rb").read())
	        if mm and mm.group(1).decode() in want:
	            fates.setdefault(mm.group(1).decode(), []).append("held")
	def postfix_log(path):
	    ids, rejected = {}, set()
	    for line in open(path, errors="replace"):
	        mm = re.search(r" ([0-9A-F]+): message-id=<([^>]*)>", line)
	        if mm:
	            ids[mm.group(1)] = mm.group(2)
	        mm = re.search(r" ([0-9A-F]+): (milter-reject: END-OF-MESSAGE .*: ([45])\.7\.1|to=.* status=bounced)", line)
	        if mm and ids.get(mm.group(1)) in want:
	            if mm.group(3) == "4":
	                tempfailed.add(ids[mm.group(1)])
	            else:
	                rejected.add(ids[mm.group(1)])
	    return rejected
	rejected = postfix_log(edge + "/maillog") | postfix_log(hoplog)
	for mid in rejected:
	    fates.setdefault(mid, []).append("rejected")
	count = {"delivered": 0, "held": 0, "rejected": 0}
	dup = 0
	for mid in want:
	    dup += len(fates.get(mid, [])) > 1
	    for f in fates.get(mid, []):
	        count[f] += 1
	print("delivered %d held %d rejected %d missing %d duplicated %d tempfailed %d" % (
	    count["delivered"], count["held"], count["rejected"], len(want - set(fates)), dup,
	    len(tempfailed & want)))
	if mlogs:
	    final, mtemp = {}, set()
	    fate = {"accept": "delivered", "tag": "delivered", "failure-accept": "delivered",
	            "quarantine": "held", "reject": "rejected"}
	    for path in mlogs:
	        for line in open(path, errors="replace"):
	            mm = re.search(r": msgid=<([^>]*)> .* verdict=(\S+)", line)
	            if mm and mm.group(1) in want:
	                if mm.group(2) in fate:
	                    final[mm.group(1)] = fate[mm.group(2)]
	                else:
	                    mtemp.add(mm.group(1))
	    c = {"delivered": 0, "held": 0, "rejected": 0}
	    for f in final.values():
	        c[f] += 1
	    print("milter delivered %d held %d rejected %d missing %d tempfailed %d" % (
	        c["delivered"], c["held"], c["rejected"], len(want - set(final)), len(mtemp)))
	EOF
}

fault_settle() {
	wait_for fault_settled_ "$@" || true
}

fault_settled_() {
	fault_account "$@" | grep -q "^delivered .* missing 0 "
}
