#!/bin/sh
# t2000-clamav-signatures.sh - ClamAV signature matches in attachments, archives and nested archives
test_description='clamav: EICAR through libclamav with the project signatures'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-clamav.sh"

test_expect_success PYTHON 'EICAR attachment matches the project signature' '
	clamav_scan eicar &&
	test_grep "^LW_ATT_CLAMAV_SIGNATURE$" eicar.rules &&
	test_json_is eicar.json action reject
'

test_expect_success PYTHON 'the file hashes (the well-known EICAR ones) and the signature name are indicators' '
	"$PYTHON" -c "import json; o=json.load(open(\"eicar.json\")); print(\"\\n\".join(i[\"type\"]+\"=\"+i[\"value\"] for i in o[\"indicators\"]))" >ind &&
	test_grep "^malware-name=Lurewatch.Test.EICAR$" ind &&
	test_grep "^sha256=275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f$" ind &&
	test_grep "^md5=44d88612fea8a8f36de82e1278abb02f$" ind &&
	test_grep "^sha1=3395856ce81f2b7382dee72602f798b642f14140$" ind &&
	test_grep "^filename=eicar.txt$" ind &&
	test_must_fail grep -E UNOFFICIAL ind
'

test_expect_success PYTHON 'the signature version is in the verdict' '
	test_json_field eicar.json signature_version >ver &&
	test_grep "^local-[0-9a-f]{12}$" ver
'

test_expect_success PYTHON 'EICAR inside a zip is found' '
	clamav_scan eicar-zip &&
	test_grep "^LW_ATT_CLAMAV_SIGNATURE$" eicar-zip.rules
'

test_expect_success PYTHON 'EICAR inside a zip inside a zip is found' '
	clamav_scan eicar-zipzip &&
	test_grep "^LW_ATT_CLAMAV_SIGNATURE$" eicar-zipzip.rules
'

test_expect_success PYTHON 'nesting deeper than clamav_max_recursion is a scan-incomplete hit' '
	clamav_scan eicar-zipzip -o clamav_max_recursion=1 &&
	test_grep "^LW_ATT_SCAN_INCOMPLETE$" eicar-zipzip.rules &&
	test_grep "scan incomplete: clamav_max_recursion" eicar-zipzip.json
'

test_expect_success PYTHON 'a file over clamav_max_filesize is a scan-incomplete hit of its own' '
	clamav_scan big -o clamav_max_filesize=1k &&
	test_grep "^LW_ATT_SCAN_INCOMPLETE$" big.rules &&
	test_grep "scan incomplete: clamav_max_filesize" big.json
'

test_expect_success PYTHON 'without the project signatures EICAR is not a signature hit' '
	mkdir empty &&
	clamav_scan eicar -o clamav_db=$PWD/empty &&
	test_must_fail grep -E "^LW_ATT_CLAMAV_SIGNATURE$" eicar.rules &&
	test_json_is eicar.json signature_version none
'

test_expect_success PYTHON 'YARA technique rules: LNK launching PowerShell' '
	clamav_scan lnk &&
	test_grep "^LW_ATT_YARA_HEURISTIC$" lnk.rules &&
	test_grep "Lurewatch_Heur_LNK_PowerShell" lnk.json
'

test_expect_success PYTHON 'YARA technique rules: HTML credential form and smuggling' '
	clamav_scan html-form &&
	test_grep "Lurewatch_Heur_HTML_Credential_Form" html-form.json &&
	clamav_scan html-smuggling &&
	test_grep "Lurewatch_Heur_HTML_Smuggling" html-smuggling.json
'

test_done
