#!/bin/sh
test_description='lurewatch-review speaks HTTPS itself with review_tls_cert and review_tls_key (libmicrohttpd with GnuTLS)'
. "$(dirname "$0")/test-lib.sh"
. "$top_srcdir/t/lib-review.sh"

test_have_prereq PYTHON || test_skip_all "python3 is not installed"
command -v curl >/dev/null || test_skip_all "curl is not installed"
command -v openssl >/dev/null || test_skip_all "openssl is not installed"

# a self-signed certificate for 127.0.0.1, made here: the CA curl is given
openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || test_skip_all "openssl cannot make a certificate"
chmod 600 tls.key
review_setup "review_tls_cert=$TRASH/tls.crt" "review_tls_key=$TRASH/tls.key"
BASE=https://127.0.0.1:$RPORT
mkdir -p "$Q/records"
test_at_exit review_stop

test_expect_success 'the service starts with the certificate and its key' '
	review_start tls
'

test_expect_success 'a review page fetched over HTTPS, the certificate checked against its CA' '
	V=$(mint "$KEY" review - secteam@agency.test $(( $(date +%s) + 3600 ))) &&
	CA=$TRASH/tls.crt &&
	test_is = 200 "$(http GET "$BASE/r?t=$V")" "http GET $BASE/r?t=$V" &&
	test_grep "held messages await a decision" page &&
	curl -s --cacert tls.crt -D headers -o /dev/null "$BASE/r?t=$V" &&
	test_grep "^Cache-Control: no-store" headers
'

test_expect_success 'a client that does not trust the certificate is stopped by TLS' '
	rm -f page && test_must_fail curl -s -o page "$BASE/r?t=$V" && ! test -s page
'

test_expect_success 'plain HTTP to the TLS port gets no page' '
	rm -f page &&
	code=$(curl -s -o page -w "%{http_code}" "http://127.0.0.1:$RPORT/r?t=$V"); test "$code" = 000 &&
	! test -s page
'

test_expect_success 'a TLS key file that cannot be read stops the start (78), before anything listens' '
	review_stop &&
	{ "$LW_REVIEW" -f -c "$CONF" -o review_tls_key=$TRASH/missing.key >out 2>&1; test $? = 78; } &&
	test_grep "review TLS: .*missing.key" out
'

test_done
