#!/bin/sh
test_description='heuristics configuration: list keys, brands file, meta and helper rules in the rules format'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-heuristics.sh"

test_expect_success 'list keys are comma separated, trimmed, and keep inner spaces' '
	"$LW_SCAN" -o "protected_names= Ministry of Digital Affairs ,數位發展部,, " -o "vip_names=" --dump-config >conf &&
	test_grep "^protected_names = \"Ministry of Digital Affairs, 數位發展部\"$" conf &&
	test_grep "^vip_names = \"\"$" conf &&
	test_grep "^internal_networks = \"127.0.0.0/8, ::1/128\"$" conf
'
test_expect_success 'a bad internal network refuses the engine with the key named' '
	mkmail m "From: A <a@example.com>" "Subject: x" &&
	{ "$LW_SCAN" $LW_OPTS -o internal_networks=10.0.0.0/99 m 2>err; echo $? >rc; } &&
	echo 78 >expect && test_cmp expect rc   # EX_CONFIG &&
	test_grep "internal_networks" err
'
test_expect_success 'a bad brands file line is reported as file:line' '
	printf "brand paypal paypal.com\nbrnd x y\n" >bad-brands.txt &&
	mkmail m "From: A <a@example.com>" "Subject: x" &&
	{ "$LW_SCAN" $LW_OPTS -o brands_file=$PWD/bad-brands.txt m 2>err; echo $? >rc; } &&
	echo 78 >expect && test_cmp expect rc   # EX_CONFIG &&
	test_grep "bad-brands.txt:2: unknown entry kind" err
'
test_expect_success 'a missing brands file named in the configuration refuses the engine' '
	mkmail m "From: A <a@example.com>" "Subject: x" &&
	{ "$LW_SCAN" $LW_OPTS -o brands_file=$PWD/nowhere.txt m 2>err; echo $? >rc; } &&
	echo 78 >expect && test_cmp expect rc   # EX_CONFIG &&
	test_grep "brands_file" err
'
test_expect_success 'the shipped rules file lints clean' '
	"$LW_SCAN" --lint-rules "$top_srcdir/contrib/rules/lurewatch.rules" >out &&
	test_grep " 0 bad" out
'
test_expect_success 'meta rules: unknown ids, ids defined later and bad syntax are lint errors' '
	cat >bad.rules <<-\EOF &&
	A_RULE   body 1 /alpha/  a
	M_LATER  meta 1 /A_RULE && B_RULE/  names a rule defined below
	B_RULE   body 1 /beta/   b
	M_SYNTAX meta 1 /A_RULE & B_RULE/  single ampersand
	M_PAREN  meta 1 /(A_RULE || B_RULE/  open parenthesis
	M_GOOD   meta 2 /A_RULE && !(B_RULE)/  good
	EOF
	test_must_fail "$LW_SCAN" --lint-rules bad.rules >out &&
	test_grep "bad.rules:2: meta expression names a rule not defined above it" out &&
	test_grep "bad.rules:4: meta expression" out &&
	test_grep "bad.rules:5: meta expression: missing" out &&
	test_grep "3 good rules, 3 bad" out
'
test_expect_success 'meta rules evaluate &&, || and !; helper rules never become hits' '
	cat >meta.rules <<-\EOF &&
	__ALPHA  body 0 /alpha/  helper
	BETA     body 1 /beta/   beta
	M_AND    meta 2 /__ALPHA && BETA/  both
	M_NOT    meta 3 /__ALPHA && !BETA/  alpha only
	M_OR     meta 4 /(__ALPHA || BETA) && !M_AND/  exactly one
	EOF
	mkmail both "From: A <a@example.com>" "Subject: x" -- "alpha beta" &&
	mkmail one "From: A <a@example.com>" "Subject: x" -- "alpha gamma" &&
	"$LW_SCAN" -o rules_file=$PWD/meta.rules --json both one >out.json &&
	test_json_rules out.json 1 | grep -E "^(M_|BETA|__)" >got1 &&
	test_json_rules out.json 2 | grep -E "^(M_|BETA|__)" >got2 &&
	printf "BETA\nM_AND\n" >expect1 && printf "M_NOT\nM_OR\n" >expect2 &&
	test_cmp expect1 got1 && test_cmp expect2 got2
'
test_done
