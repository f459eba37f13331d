# lib-ioc.sh - indicator feeds in every format, for the t21xx tests
#
# make_feeds DIR writes:
#   cert.domain.txt   plain list, type declared by the name, directives, a bad value
#   mixed.txt         plain list with guessed types (URL, CIDR v4/v6, hash, address)
#   partners.csv      CSV with a header: quoted comma, expired row, bad hash, TLP
#   stix.json         STIX 2.1 bundle: OR'ed comparisons, TLP marking, confidence,
#                     hashes, from_ref, subject, file name; AND, FOLLOWEDBY, MATCHES,
#                     a snort pattern (unsupported) and a revoked indicator
#   misp.json         MISP event: to_ids attributes of several types, an object,
#                     a composite filename|sha256, an unsupported type, to_ids=false
# The values are the documentation ranges and example domains of RFC 2606/5737/3849.

make_feeds() {
	mkdir -p "$1" &&
	cat >"$1/cert.domain.txt" <<-\EOF &&
	# CERT phishing domains
	# tlp: amber
	# confidence: 90
	evil.example.cn
	xn--pple-43d.com      # apple.com with a Cyrillic a
	EXAMPLE-PHISH.NET.
	bad value with spaces
	EOF
	cat >"$1/mixed.txt" <<-\EOF &&
	# type: auto
	# description: collected by the SOC
	http://phish.example.net/login
	203.0.113.0/24
	2001:db8:bad::/48
	E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855
	Attacker@Example.COM
	EOF
	cat >"$1/partners.csv" <<-\EOF &&
	value,type,id,confidence,tlp,valid_until,description
	"http://redir.example.org/a,b",url,P-1,80,green,2099-01-01,"comma, in a URL"
	expired.example.com,domain,P-2,50,,2001-01-01,expired long ago
	198.51.100.7,ipv4-addr,P-3,,red,,
	notahash,sha256,P-4,,,,bad value
	EOF
	cat >"$1/stix.json" <<-\EOF &&
	{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
	 {"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
	  "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "definition": {"tlp": "amber"}},
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a000000-0000-4000-8000-000000000001",
	  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "valid_from": "2024-01-01T00:00:00Z",
	  "name": "credential phishing kit", "confidence": 70, "pattern_type": "stix",
	  "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
	  "pattern": "[domain-name:value = 'stix-evil.example'] OR [url:value = 'https://kit.example/pay']"},
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a000000-0000-4000-8000-000000000002",
	  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "valid_from": "2024-01-01T00:00:00Z",
	  "pattern_type": "stix",
	  "pattern": "[file:hashes.'SHA-256' = '5A1EC1B2C3D4E5F60718293A4B5C6D7E8F9012345678901234567890ABCDEF01' OR email-message:from_ref.value = 'ceo@spoof.example'] OR [email-message:subject = 'Urgent wire transfer'] OR [file:name = 'Invoice_2024.PDF.exe'] OR [ipv6-addr:value = '2001:db8:feed::1']"},
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a000000-0000-4000-8000-000000000003",
	  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "valid_from": "2024-01-01T00:00:00Z",
	  "pattern_type": "stix", "pattern": "[ipv4-addr:value = '192.0.2.1' AND domain-name:value = 'and.example']"},
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a000000-0000-4000-8000-000000000004",
	  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "valid_from": "2024-01-01T00:00:00Z",
	  "pattern_type": "stix", "pattern": "[ipv4-addr:value = '192.0.2.2'] FOLLOWEDBY [domain-name:value = 'seq.example']"},
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a000000-0000-4000-8000-000000000005",
	  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "valid_from": "2024-01-01T00:00:00Z",
	  "pattern_type": "stix", "pattern": "[email-message:subject MATCHES '^Invoice']"},
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a000000-0000-4000-8000-000000000006",
	  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "valid_from": "2024-01-01T00:00:00Z",
	  "pattern_type": "snort", "pattern": "alert tcp any any -> any 25"},
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a000000-0000-4000-8000-000000000007",
	  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "valid_from": "2024-01-01T00:00:00Z",
	  "revoked": true, "pattern_type": "stix", "pattern": "[domain-name:value = 'revoked.example']"},
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a000000-0000-4000-8000-000000000008",
	  "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "valid_from": "2020-01-01T00:00:00Z",
	  "valid_until": "2021-01-01T00:00:00Z", "pattern_type": "stix", "pattern": "[domain-name:value = 'stale.example']"}
	]}
	EOF
	cat >"$1/misp.json" <<-\EOF
	{"Event": {"uuid": "5e0f7a3c-0000-4000-8000-00000000e001", "info": "Tax refund phishing wave",
	  "Tag": [{"name": "tlp:green"}],
	  "Attribute": [
	   {"uuid": "5e0f7a3c-0000-4000-8000-0000000000a1", "type": "domain", "value": "tax-refund.example", "to_ids": true},
	   {"uuid": "5e0f7a3c-0000-4000-8000-0000000000a2", "type": "email-src", "value": "refund@tax-refund.example", "to_ids": true},
	   {"uuid": "5e0f7a3c-0000-4000-8000-0000000000a3", "type": "ip-dst|port", "value": "192.0.2.55|443", "to_ids": true},
	   {"uuid": "5e0f7a3c-0000-4000-8000-0000000000a4", "type": "filename|sha256", "value": "refund.zip|1111111111111111111111111111111111111111111111111111111111111111", "to_ids": true},
	   {"uuid": "5e0f7a3c-0000-4000-8000-0000000000a5", "type": "email-x-mailer", "value": "PhishMailer 2.0", "to_ids": true},
	   {"uuid": "5e0f7a3c-0000-4000-8000-0000000000a6", "type": "AS", "value": "64496", "to_ids": true},
	   {"uuid": "5e0f7a3c-0000-4000-8000-0000000000a7", "type": "domain", "value": "not-for-detection.example", "to_ids": false}
	  ],
	  "Object": [{"name": "url", "Attribute": [
	   {"uuid": "5e0f7a3c-0000-4000-8000-0000000000b1", "type": "url", "value": "https://tax-refund.example/claim", "to_ids": true, "comment": "landing page"}]}]
	}}
	EOF
}
