#!/bin/sh
# t2001-clamav-heuristics.sh - signature-free attachment heuristics, each with its own rule id
test_description='clamav: macros, encrypted archives, executables, scripts, images, shortcuts, HTML, names'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-clamav.sh"

# expect KIND RULE... : sample KIND hits every RULE
expect() {
	kind=$1
	shift
	clamav_scan "$kind" || return 1
	for rule in "$@"; do
		test_grep "^$rule\$" "$kind.rules" || return 1
	done
}

test_expect_success PYTHON,ZIP 'encrypted zip is flagged' '
	expect encrypted-zip-nopass LW_ATT_ENCRYPTED_ARCHIVE &&
	test_must_fail grep -E "^LW_ATT_ENCRYPTED_ARCHIVE_PASSWORD$" encrypted-zip-nopass.rules
'

test_expect_success PYTHON,ZIP 'encrypted zip with its password in the body: password verified' '
	expect encrypted-zip LW_ATT_ENCRYPTED_ARCHIVE LW_ATT_ENCRYPTED_ARCHIVE_PASSWORD &&
	test_grep "password \\\\\"Inv2026x\\\\\" from the text opens the archive" encrypted-zip.json
'

test_expect_success PYTHON,ZIP 'what the password opens is scanned: signature and names inside' '
	expect encrypted-eicar LW_ATT_ENCRYPTED_ARCHIVE_PASSWORD LW_ATT_CLAMAV_SIGNATURE LW_ATT_DOUBLE_EXTENSION &&
	test_grep "invoice.pdf.exe \\(decrypted with the password from the text\\)" encrypted-eicar.json
'

test_expect_success PYTHON 'password-protected Office document with the password in the body' '
	expect protected-docx LW_ATT_ENCRYPTED_DOCUMENT LW_ATT_ENCRYPTED_ARCHIVE_PASSWORD &&
	test_grep "candidate password .{1,2}7788aa.{1,2} in the text \\(not verified\\)" protected-docx.json &&
	test_must_fail grep -E "^LW_ATT_TYPE_MISMATCH$" protected-docx.rules
'

test_expect_success PYTHON 'OOXML with vbaProject.bin (docm, xlsm) is a macro document' '
	expect docm LW_ATT_OFFICE_MACRO &&
	expect xlsm LW_ATT_OFFICE_MACRO &&
	test_grep "vbaProject.bin" docm.json
'

test_expect_success PYTHON 'OLE2 document with a VBA project is a macro document' '
	expect ole2-vba LW_ATT_OFFICE_MACRO
'

test_expect_success PYTHON 'OLE2 document without VBA is not' '
	clamav_scan ole2-clean &&
	test -z "$(cat ole2-clean.rules)"
'

test_expect_success PYTHON 'LNK shortcut' '
	expect lnk LW_ATT_SHORTCUT LW_ATT_DOUBLE_EXTENSION
'

test_expect_success PYTHON 'ISO disk image, alone and inside a zip' '
	expect iso LW_ATT_DISK_IMAGE &&
	expect iso-in-zip LW_ATT_DISK_IMAGE &&
	test_grep "shipment.zip\\) > shipment.img" iso-in-zip.json
'

test_expect_success PYTHON 'ISO image holding a shortcut that starts PowerShell (the Qakbot chain)' '
	expect iso-lnk LW_ATT_DISK_IMAGE LW_ATT_SHORTCUT LW_ATT_YARA_HEURISTIC &&
	test_grep "Shipment_Details.iso\\) > DOCUMENT.LNK" iso-lnk.json &&
	test_grep "Lurewatch_Heur_LNK_PowerShell" iso-lnk.json
'

test_expect_success PYTHON 'invoice.pdf.exe: executable, double extension, declared type lies' '
	expect double-ext LW_ATT_EXECUTABLE LW_ATT_DOUBLE_EXTENSION LW_ATT_TYPE_MISMATCH
'

test_expect_success PYTHON 'RTLO in the file name' '
	expect rtlo LW_ATT_NAME_BIDI LW_ATT_EXECUTABLE
'

test_expect_success PYTHON 'space padding before the real extension' '
	expect padding LW_ATT_NAME_PADDING LW_ATT_SCRIPT
'

test_expect_success PYTHON 'script with a double extension inside a zip' '
	expect script-in-zip LW_ATT_SCRIPT LW_ATT_DOUBLE_EXTENSION &&
	test_grep "order.zip\\) > order.pdf.js" script-in-zip.json
'

test_expect_success PYTHON 'HTML attachment with a password form' '
	expect html-form LW_ATT_HTML_PASSWORD_FORM
'

test_expect_success PYTHON 'HTML smuggling attachment' '
	expect html-smuggling LW_ATT_HTML_SMUGGLING LW_ATT_HTML_SCRIPT
'

test_expect_success PYTHON 'HTML and SVG attachments that redirect the browser' '
	expect html-redirect LW_ATT_HTML_REDIRECT LW_ATT_HTML_SCRIPT &&
	test_grep "Statement.svg" html-redirect.json
'

test_expect_success PYTHON 'an event handler is script, and one that sets the location or opens a window redirects' '
	expect html-onload LW_ATT_HTML_REDIRECT LW_ATT_HTML_SCRIPT &&
	test_grep "Remittance.html" html-onload.json &&
	test_grep "Advice.htm" html-onload.json
'

test_expect_success PYTHON 'a frame that shows a remote page makes the attachment a redirect' '
	expect html-frame LW_ATT_HTML_REDIRECT &&
	test_grep "a frame shows a remote page" html-frame.json &&
	test_grep "Invoice.htm" html-frame.json &&
	test_must_fail grep -E "^LW_ATT_HTML_SCRIPT$" html-frame.rules
'

test_expect_success PYTHON 'near miss: frames of local content and an attribute that only names an event are no redirect' '
	clamav_scan html-local-frame &&
	test_must_fail grep -E "^LW_ATT_HTML_(REDIRECT|SCRIPT)$" html-local-frame.rules
'

test_expect_success PYTHON 'text file named .pdf' '
	expect text-as-pdf LW_ATT_TYPE_MISMATCH &&
	test_grep "pdf file whose content is text/plain" text-as-pdf.json
'

test_expect_success PYTHON 'near miss: a PNG picture named .jpg (a pasted "blob.jpg") is no type mismatch' '
	clamav_scan png-as-jpg &&
	test_must_fail grep -E "^LW_ATT_TYPE_MISMATCH$" png-as-jpg.rules
'

test_expect_success PYTHON 'HTML named .jpg is a type mismatch' '
	expect html-as-jpg LW_ATT_TYPE_MISMATCH
'

test_expect_success PYTHON 'invisible characters in the file name' '
	expect invisible LW_ATT_NAME_INVISIBLE
'

test_expect_success PYTHON 'PDF behind leading junk is named as such' '
	expect pdf-junk LW_ATT_TYPE_MISMATCH &&
	test_grep "PDF header at offset 300 behind leading junk" pdf-junk.json
'

test_expect_success PYTHON 'an HTML page named like a spreadsheet (.xls.htm)' '
	expect htm-double LW_ATT_DOUBLE_EXTENSION
'

test_expect_success PYTHON 'OneNote notebook' '
	expect onenote LW_ATT_ONENOTE
'

test_expect_success PYTHON 'clean PDF, PNG, DOCX and CSV attachments are not flagged' '
	clamav_scan clean &&
	test -z "$(cat clean.rules)" &&
	test_json_is clean.json action accept
'

test_expect_success PYTHON 'flagged files carry their hashes and names as indicators' '
	"$PYTHON" -c "import json; o=json.load(open(\"double-ext.json\")); print(\"\\n\".join(i[\"type\"]+\"=\"+i[\"value\"] for i in o[\"indicators\"]))" >ind &&
	test_grep "^sha256=" ind && test_grep "^md5=" ind && test_grep "^sha1=" ind &&
	test_grep "^filename=invoice.pdf.exe$" ind
'

test_expect_success PYTHON 'a clean message gives SHA-256 and names only; MD5 and SHA-1 only when it scores' '
	"$PYTHON" -c "import json; o=json.load(open(\"clean.json\")); print(\"\\n\".join(i[\"type\"]+\"=\"+i[\"value\"] for i in o[\"indicators\"]))" >ind &&
	test_json_is clean.json score 0.0 &&
	test_grep "^sha256=" ind && test_grep "^filename=report.pdf$" ind &&
	test_must_fail grep -E "^(md5|sha1)=" ind &&
	echo "T_ANY  subject  0.5  /./  any subject at all" >any.rules &&
	clamav_scan clean -o rules_file=$PWD/any.rules &&
	"$PYTHON" -c "import json; o=json.load(open(\"clean.json\")); print(\"\\n\".join(i[\"type\"]+\"=\"+i[\"value\"] for i in o[\"indicators\"]))" >ind2 &&
	test_grep "^T_ANY$" clean.rules &&
	n=$(grep -c "^md5=" ind2) &&
	test_is -ge 1 $n "md5 indicators in ind2" &&
	test_grep_count = $n "^sha1=" ind2 &&
	test_grep_count = $n "^sha256=" ind2
'

test_expect_success PYTHON 'clamav = no: no libclamav, no signature version; the file checks still run' '
	clamav_scan eicar -o clamav=no &&
	test_must_fail grep -E "^LW_ATT_CLAMAV_SIGNATURE$" eicar.rules &&
	test_json_is eicar.json signature_version null &&
	clamav_scan double-ext -o clamav=no &&
	test_grep "^LW_ATT_EXECUTABLE$" double-ext.rules &&
	test_grep "^LW_ATT_DOUBLE_EXTENSION$" double-ext.rules &&
	clamav_scan script-in-zip -o clamav=no &&
	test_must_fail grep -E "^LW_ATT_SCRIPT$" script-in-zip.rules
'

test_expect_success PYTHON,ZIP 'file-type policy hits are the attachments analyzer'"'"'s, what libclamav matched is clamav'"'"'s' '
	test_grep "\"analyzer\":\"attachments\",\"rule\":\"LW_ATT_DOUBLE_EXTENSION\"" encrypted-eicar.json &&
	test_grep "\"analyzer\":\"attachments\",\"rule\":\"LW_ATT_ENCRYPTED_ARCHIVE_PASSWORD\"" encrypted-eicar.json &&
	test_grep "\"analyzer\":\"clamav\",\"rule\":\"LW_ATT_CLAMAV_SIGNATURE\"" encrypted-eicar.json &&
	test_grep "\"analyzer\":\"attachments\",\"rule\":\"LW_ATT_EXECUTABLE\"" double-ext.json &&
	test_must_fail grep "\"analyzer\":\"clamav\"" double-ext.json
'

test_expect_success PYTHON 'a rule score can be overridden in the configuration' '
	clamav_scan iso -o score.LW_ATT_DISK_IMAGE=0.5 &&
	test_grep "\"rule\":\"LW_ATT_DISK_IMAGE\",\"score\":0.5" iso.json
'

# named NAME: a mail whose one attachment is called NAME (its bytes are plain text)
named() {
	printf "From: a@example.com\nTo: user@agency.gov.tw\nSubject: invoice\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nSee attached.\n--B\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"%s\"\n\nthe attached file\n--B--\n" "$1" >named.eml &&
	"$LW_SCAN" $LW_CLAMAV_OPTS -o clamav=no --json named.eml >named.json &&
	test_json_rules named.json
}
test_expect_success 'by name alone: an Excel add-in is a program, Windows search, settings and ClickOnce files are shortcuts' '
	named report.xll >rules && test_grep "^LW_ATT_EXECUTABLE\$" rules &&
	for n in files.search-ms Setup.SettingContent-ms viewer.appref-ms; do
		named "$n" >rules && test_grep "^LW_ATT_SHORTCUT\$" rules || return 1
	done &&
	named report.xlsx >rules && test_must_fail grep -E "^LW_ATT_(EXECUTABLE|SHORTCUT)\$" rules
'

test_done
