/*
 * conf.c - load, override, validate and print lurewatch.conf
 *
 * The file is a list of "key = value" lines; '#' starts a comment line and
 * blank lines are ignored. A value may be wrapped in double quotes to keep
 * leading or trailing spaces. "score.RULE_ID = N" overrides a rule's score.
 * Every key is declared once in the table below, with its type, default,
 * bounds and help: parsing, validation, lw_config_dump() and the sample
 * file all follow from it (the Redis/ClamAV-optparser way, not 100 getters).
 *
 * lw_config_new() returns the embedded defaults, which are complete: no
 * file is needed to run. lw_config_load() applies a file on top and refuses
 * it with "file:line: reason" at the first bad line; lw_config_override()
 * applies one "key=value" from the command line (-o). Neither logs.
 *
 * Sizes accept k, M and G suffixes (powers of 1024). Booleans accept
 * yes/no/true/false/1/0. Lists (K_LIST) are comma separated, so that an
 * item may contain spaces ("Ministry of Finance"); items are trimmed and
 * empty items dropped.
 *
 * A configuration is built at start-up and then only read; a reload builds
 * a new one.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/conf.h"
#include "util/log.h"


enum key_type { K_STRING, K_DOUBLE, K_INT, K_SIZE, K_ENUM, K_LIST };

/*
 * Whether a key changes what the content analyzers find, and so belongs in
 * the tag of cached verdicts (lw_config_tag): instances that differ only in
 * TAG_NONE keys share their cached verdicts through Redis.
 *
 * TAG_VALUE   the value changes verdicts (limits, lists, the clamav switch):
 *             the tag holds it.
 * TAG_LOADED  the value names data an analyzer loads (rules, feeds,
 *             signatures, brands): the tag holds that data as loaded,
 *             through the analyzer's loaded hook (analyzer.h), not the name.
 * TAG_NONE    the key acts after the cache (thresholds, actions, headers,
 *             the campaign step and the per-message headers analyzer,
 *             whose hits are never cached), before it (fault injection: a failed verdict
 *             is never cached) or outside the scan (daemon, Redis, cache,
 *             report, export, Postfix keys).
 */
enum key_tag { TAG_UNSET, TAG_VALUE, TAG_LOADED, TAG_NONE };

struct key {
    const char *name;
    enum key_type type;
    size_t offset;
    const char *dflt;
    double min, max;
    const char *const *choices;     /* K_ENUM: NULL-terminated */
    const char *help;
    enum key_tag tag;               /* what the key does to the engine's cache tag */
};

static const char *const failure_choices[] = { "accept", "tempfail", NULL };
static const char *const header_choices[] = { "always", "scored", "never", NULL };
static const char *const level_choices[] = { "error", "warning", "info", "debug", NULL };
static const char *const log_format_choices[] = { "text", "json", NULL };
static const char *const language_choices[] = { "zh-TW", "en", "both", NULL };
static const char *const bool_choices[] = { "no", "yes", NULL };
static const char *const mta_choices[] = { "postfix", "sendmail", NULL };
static const char *const qstore_choices[] = { "spool", "redis", NULL };  /* enum lw_qstore_kind */
static const char *const tlp_choices[] = { "clear", "green", "amber", "amber+strict", "red", NULL };

#define OFF(f) offsetof(struct lw_config, f)
#define BIG 1e18

static const struct key keys[] = {
    /* policy: thresholds measured with lurewatch-scan --stats on the shared
     * corpus (README, "Thresholds"): quarantine 4 held 66.5% of phishing
     * and 0.24% of legitimate mail; nothing legitimate scored 12 or more. */
    { "tag_score", K_DOUBLE, OFF(tag_score), "3", 0, 1000, NULL,
      "score at which a message is tagged (headers, optional subject prefix)", TAG_NONE },
    { "quarantine_score", K_DOUBLE, OFF(quarantine_score), "4", 0, 1000, NULL,
      "score at which a message is held in the MTA's quarantine (Postfix's hold queue, Sendmail's quarantined envelopes)", TAG_NONE },
    { "reject_score", K_DOUBLE, OFF(reject_score), "15", 0, 1000, NULL,
      "score at which a message is rejected with 550", TAG_NONE },
    { "failure_policy", K_ENUM, OFF(failure_policy), "tempfail", 0, 0, failure_choices,
      "what to do when scanning fails internally: accept, or tempfail (client retries)", TAG_NONE },
    { "add_headers", K_ENUM, OFF(add_headers), "always", 0, 0, header_choices,
      "add X-Lurewatch-* headers to always every message, only scored ones, or never", TAG_NONE },
    { "subject_prefix", K_STRING, OFF(subject_prefix), "", 0, 0, NULL,
      "prefix put before the Subject of tagged messages (empty: leave Subject alone)", TAG_NONE },
    { "reject_message", K_STRING, OFF(reject_message), "Message rejected as malicious", 0, 0, NULL,
      "text of the 550 reply; the reference id is appended", TAG_NONE },
    /* rules */
    { "rules_file", K_STRING, OFF(rules_file), LW_RULES_FILE, 0, 0, NULL,
      "PCRE2 rules file (see contrib/rules/lurewatch.rules for the format)", TAG_LOADED },
    { "rules_jit", K_ENUM, OFF(rules_jit), "yes", 0, 0, bool_choices,
      "run rules as PCRE2 JIT machine code (fast); no: the interpreter only, for valgrind or a sandbox that forbids writable executable memory (systemd MemoryDenyWriteExecute=yes)", TAG_VALUE },
    { "rules_prefilter", K_ENUM, OFF(rules_prefilter), "yes", 0, 0, bool_choices,
      "run a rule's pattern on a text only when a literal every match needs occurs in it (found for all rules in one pass per text; same hits, less CPU); no: run every pattern on every text, to compare", TAG_VALUE },
    { "rules_match_limit", K_INT, OFF(rules_match_limit), "1000000", 1, 4294967295.0, NULL,
      "PCRE2 match limit: most backtracking steps one pattern may take on one text; a rule that reaches it (or the depth limit, or the JIT stack) gives the hit LW_RULE_MATCH_LIMIT instead of silently not matching", TAG_VALUE },
    { "rules_depth_limit", K_INT, OFF(rules_depth_limit), "10000", 1, 4294967295.0, NULL,
      "PCRE2 depth limit: deepest backtracking one pattern may reach on one text (the interpreter; JIT code is bounded by its stack); reaching it gives LW_RULE_MATCH_LIMIT", TAG_VALUE },
    /* parsing limits */
    { "max_message_size", K_SIZE, OFF(max_message_size), "50M", 1024, BIG, NULL,
      "largest message scanned whole; past it the message is scanned truncated and flagged", TAG_VALUE },
    { "max_parts", K_INT, OFF(max_parts), "500", 1, 1000000, NULL,
      "most MIME parts examined in one message", TAG_VALUE },
    { "max_depth", K_INT, OFF(max_depth), "20", 1, 1000, NULL,
      "deepest MIME nesting (multiparts and attached messages) examined", TAG_VALUE },
    { "max_headers", K_INT, OFF(max_headers), "1000", 1, 1000000, NULL,
      "most header fields in one message header", TAG_VALUE },
    { "max_header_length", K_SIZE, OFF(max_header_length), "64k", 64, BIG, NULL,
      "longest single header field value", TAG_VALUE },
    { "max_text_size", K_SIZE, OFF(max_text_size), "2M", 1024, BIG, NULL,
      "most decoded text per part given to text rules", TAG_VALUE },
    { "max_address_groups", K_INT, OFF(max_address_groups), "20", 1, 1000, NULL,
      "most address groups (\"name:\" openings, outside quotes and angle brackets) in one address field (From, To, Cc, Bcc, Reply-To, Sender, Resent-*, Return-Path, X-Original-*); checked before GMime parses the message, whose address parser recurses once per nested group. Past it the message is cut before that field and flagged. Real mail has 0 to 2", TAG_VALUE },
    { "max_mime_parameters", K_INT, OFF(max_mime_parameters), "100", 1, 10000, NULL,
      "most parameters (\";\" outside quotes) in one Content-Type or Content-Disposition field; checked before GMime parses the message, whose cost grows with the square of the count. Past it the message is cut before that field and flagged. Real mail has up to about 15 (RFC 2231 continuations of a long file name)", TAG_VALUE },
    { "max_decoded_size", K_SIZE, OFF(max_decoded_size), "100M", 1024 * 1024, BIG, NULL,
      "most decoded bytes kept per message: the content of every part plus a copy of every attached message (for its hashes). Parts are always decoded (together never larger than the message); attached messages, innermost first, are copied only within this budget, and one that does not fit is listed without its copy and flagged. The default holds a message of max_message_size with one attached message of its own size", TAG_VALUE },
    { "limit_score", K_DOUBLE, OFF(limit_score), "5", 0, 1000, NULL,
      "score of a hit that says a limit was exceeded", TAG_VALUE },
    /* urls and indicators */
    { "max_urls", K_INT, OFF(max_urls), "1000", 0, 1000000, NULL,
      "most URLs extracted from one message (links, text, attachments); past it they are not examined; 0: none", TAG_VALUE },
    { "max_url_length", K_SIZE, OFF(max_url_length), "8k", 64, 1024 * 1024, NULL,
      "longest URL examined; longer ones are cut to this length", TAG_VALUE },
    { "qr_max_images", K_INT, OFF(qr_max_images), "10", 0, 1000, NULL,
      "most pictures (PNG, JPEG, GIF) per message decoded to look for QR codes, whose links join the message's URLs; 0: QR codes are not decoded. Worst case per message: this many pictures of qr_max_pixels (about 0.15 s CPU each at the defaults on a 2-core VM)", TAG_VALUE },
    { "qr_max_image_size", K_SIZE, OFF(qr_max_image_size), "2M", 1024, 1024 * 1024 * 1024, NULL,
      "largest picture (encoded bytes) decoded to look for QR codes; larger ones are skipped", TAG_VALUE },
    { "qr_max_pixels", K_INT, OFF(qr_max_pixels), "4194304", 1024, 100000000, NULL,
      "largest picture (width times height) decoded to look for QR codes; checked before the pixels are allocated, so memory per picture stays within a few times this many bytes", TAG_VALUE },
    { "feeds_dir", K_STRING, OFF(feeds_dir), LW_FEEDS_DIR, 0, 0, NULL,
      "directory of indicator feeds (plain lists, CSV, STIX 2.1, MISP JSON); empty: no IOC matching", TAG_LOADED },
    { "warninglists_dir", K_STRING, OFF(warninglists_dir), "", 0, 0, NULL,
      "directory of MISP warninglists (*.json: values such as public mail providers, top sites, banks' real"
      " sites and URL shorteners that are never used to block: feed entries naming them are not loaded,"
      " exports never share them as blocking); empty: the installed set (contrib/warninglists) when it exists", TAG_LOADED },
    /* attachments (libclamav) */
    { "clamav", K_ENUM, OFF(clamav), "yes", 0, 0, bool_choices,
      "scan parts with libclamav (signatures, archives and documents unpacked); no: only lurewatch's"
      " own name, type and HTML checks of each attachment, no signature and nothing inside archives", TAG_VALUE },
    { "clamav_db", K_STRING, OFF(clamav_db), "", 0, 0, NULL,
      "ClamAV signature directories, comma-separated; empty: /var/lib/clamav when it exists"
      " plus lurewatch's own signatures", TAG_LOADED },
    { "clamav_max_scansize", K_SIZE, OFF(clamav_max_scansize), "100M", 1024, 4294967295.0, NULL,
      "most bytes ClamAV scans in one attachment including unpacked content; beyond: scan incomplete", TAG_VALUE },
    { "clamav_max_filesize", K_SIZE, OFF(clamav_max_filesize), "25M", 1024, 4294967295.0, NULL,
      "largest single file (attachment or unpacked member) ClamAV scans; beyond: scan incomplete", TAG_VALUE },
    { "clamav_max_files", K_INT, OFF(clamav_max_files), "10000", 1, 1000000, NULL,
      "most files ClamAV unpacks from one attachment; beyond: scan incomplete", TAG_VALUE },
    { "clamav_max_recursion", K_INT, OFF(clamav_max_recursion), "17", 1, 100, NULL,
      "deepest archive nesting ClamAV unpacks; beyond: scan incomplete", TAG_VALUE },
    { "clamav_max_scantime", K_INT, OFF(clamav_max_scantime), "60000", 100, 3600000, NULL,
      "most milliseconds ClamAV spends on one attachment; beyond: scan incomplete", TAG_VALUE },
    { "clamav_max_image_pixels", K_INT, OFF(clamav_max_image_pixels), "25000000", 1, 4294967295.0, NULL,
      "largest picture (width times height, read from its PNG, JPEG, GIF, BMP, TIFF or WebP header before anything is decoded) that ClamAV decodes for its image parsers and fuzzy hash, attachment or unpacked file; a larger one is scanned for signatures without being decoded (unpacked: skipped) and the scan is incomplete. ClamAV's decoding costs about 7 bytes and 40 ns per pixel: a 20000 x 20000 PNG in a 500 KB mail took 2 GB and 20 s. 25000000 passes 24-megapixel camera pictures", TAG_VALUE },
    { "clamav_max_message_pixels", K_INT, OFF(clamav_max_message_pixels), "200000000", 1, 1e15, NULL,
      "most pixels (width times height, as for clamav_max_image_pixels) ClamAV decodes over all the pictures of one message, attachments and unpacked files together; the pictures past it are treated as over clamav_max_image_pixels, under this key's name. It bounds the time a message of many pictures, each under the per-picture limit, costs: at about 40 ns per pixel, 200000000 is some 8 s, and passes 16 twelve-megapixel photographs", TAG_VALUE },
    { "clamav_tmpdir", K_STRING, OFF(clamav_tmpdir), "", 0, 0, NULL,
      "private directory (mode 0700, tmpfs is fastest) where ClamAV unpacks archives;"
      " empty: $TMPDIR or /tmp", TAG_NONE },
    /* daemon */
    { "milter_socket", K_STRING, OFF(milter_socket), "unix:/run/lurewatch/milter.sock", 0, 0, NULL,
      "milter socket: unix:/path, inet:PORT@HOST or inet6:PORT@HOST (-p overrides)", TAG_NONE },
    { "user", K_STRING, OFF(user), "", 0, 0, NULL,
      "user to run as after binding the socket (-u overrides); empty: stay", TAG_NONE },
    { "socket_mode", K_INT, OFF(socket_mode), "0660", 0, 0777, NULL,
      "permissions of a unix milter socket (octal)", TAG_NONE },
    { "log_target", K_STRING, OFF(log_target), "syslog", 0, 0, NULL,
      "syslog (facility log_facility) or stderr", TAG_NONE },
    { "log_level", K_ENUM, OFF(log_level), "info", 0, 0, level_choices,
      "the least important lines written: error (failures), warning (also degraded operation),"
      " info (also one line per message), or debug", TAG_NONE },
    { "log_facility", K_ENUM, OFF(log_facility), "mail", 0, 0, lw_log_facility_names,
      "syslog facility of the log lines (with log_target = syslog)", TAG_NONE },
    { "log_format", K_ENUM, OFF(log_format), "text", 0, 0, log_format_choices,
      "text lines, or json: one object per line with time, level, program, pid and message", TAG_NONE },
    { "reload_check_interval", K_INT, OFF(reload_check_interval), "60", 0, 86400, NULL,
      "seconds between checks whether signatures or feeds changed on disk (then the milter reloads); 0: never", TAG_NONE },
    { "instance_name", K_STRING, OFF(instance_name), "", 0, 0, NULL,
      "name of this relay in logs, shared hits and the shared quarantine store (unique per relay; empty: the host name)", TAG_NONE },
    { "metrics_listen", K_STRING, OFF(metrics_listen), "", 0, 0, NULL,
      "lurewatch-milter's Prometheus endpoint (GET /metrics): ADDRESS:PORT, such as"
      " 127.0.0.1:9187 or [::1]:9187 (a literal address: only it is bound); empty: off", TAG_NONE },
    { "scan_concurrency", K_INT, OFF(scan_concurrency), "-1", -1, 10000, NULL,
      "most messages lurewatch-milter analyses at once; the connections past it wait at end of message"
      " for their turn (in arrival order), so the scans do not compete for the CPUs' time and caches, and"
      " the memory of the messages in analysis stays within this many per-message budgets."
      " -1: the number of CPUs online; 0: no limit. Read at start; a reload keeps it", TAG_NONE },
    { "scan_wait_timeout", K_INT, OFF(scan_wait_timeout), "30", 1, 3600, NULL,
      "seconds a message may wait for its turn to be analysed (scan_concurrency); past it the message"
      " gets failure_policy, is logged with the reason and counted (scan_wait_timeouts). With the"
      " longest scan (clamav_max_scantime per attachment) it must stay under the time the MTA waits for"
      " the milter's answer (Postfix milter_content_timeout, Sendmail's R: 120 s in the README's set-up),"
      " so the MTA always hears lurewatch's answer rather than applying its own default", TAG_NONE },
    /* quarantine review */
    { "quarantine_dir", K_STRING, OFF(quarantine_dir), "/var/spool/lurewatch/quarantine", 0, 0, NULL,
      "where the milter records each held message (one JSON file each) and lurewatch-report keeps its state", TAG_NONE },
    { "quarantine_store", K_ENUM, OFF(quarantine_store), "spool", 0, 0, qstore_choices,
      "where held messages are recorded: spool (quarantine_dir, this relay only) or redis (redis_server:"
      " every relay sharing it, one review service for all; each relay carries out the decisions on its"
      " own messages with lurewatch-report apply)", TAG_NONE },
    { "report_to", K_STRING, OFF(report_to), "", 0, 0, NULL,
      "address that gets the quarantine digest (all held mail, or what no domain reviewer covers)", TAG_NONE },
    { "report_domain_reviewers", K_STRING, OFF(report_domain_reviewers), "", 0, 0, NULL,
      "per recipient domain reviewers: \"a.gov.tw:rev@a.gov.tw, b.gov.tw:rev@b.gov.tw\"", TAG_NONE },
    { "report_from", K_STRING, OFF(report_from), "lurewatch@localhost", 0, 0, NULL,
      "From address of digests and recipient notices", TAG_NONE },
    { "report_sendmail", K_STRING, OFF(report_sendmail), "/usr/sbin/sendmail -t -i", 0, 0, NULL,
      "command that sends report mail (read from standard input; run with execv, no shell)", TAG_NONE },
    { "report_language", K_ENUM, OFF(report_language), "both", 0, 0, language_choices,
      "language of report mail: zh-TW, en, or both", TAG_NONE },
    { "report_attach_original", K_ENUM, OFF(report_attach_original), "no", 0, 0, bool_choices,
      "attach each held message to the digest as message/rfc822 (yes/no)", TAG_NONE },
    { "report_notify_recipients", K_ENUM, OFF(report_notify_recipients), "no", 0, 0, bool_choices,
      "send each recipient a short notice that a message to them was held (yes/no)", TAG_NONE },
    { "report_expire_days", K_INT, OFF(report_expire_days), "7", 1, 3650, NULL,
      "held messages older than this many days are reported as expiring (decide on them)", TAG_NONE },
    { "mta", K_ENUM, OFF(mta), "postfix", 0, 0, mta_choices,
      "the MTA whose queue holds quarantined mail, that lurewatch-report and lurewatch-review"
      " release and delete in: postfix (hold queue: postsuper) or sendmail (quarantined"
      " envelopes: sendmail -qQ -Q, and the queue files removed)", TAG_NONE },
    { "postfix_command_dir", K_STRING, OFF(postfix_command_dir), "/usr/sbin", 0, 0, NULL,
      "directory of postsuper, postqueue and postcat", TAG_NONE },
    { "postfix_config_dir", K_STRING, OFF(postfix_config_dir), "", 0, 0, NULL,
      "Postfix configuration directory passed with -c (empty: Postfix's default)", TAG_NONE },
    { "sendmail_program", K_STRING, OFF(sendmail_program), "/usr/sbin/sendmail", 0, 0, NULL,
      "with mta = sendmail: Sendmail's program, run as sendmail -v -qQ -Q -qIQUEUEID to release", TAG_NONE },
    { "sendmail_queue_dir", K_STRING, OFF(sendmail_queue_dir), "/var/spool/mqueue", 0, 0, NULL,
      "with mta = sendmail: Sendmail's QueueDirectory (its qf/, df/, xf/ subdirectories when"
      " present), where delete removes a quarantined envelope's hf, df and xf files", TAG_NONE },
    /* the review service (review/service/lurewatch-review.c) and the digest's signed links */
    { "review_listen", K_STRING, OFF(review_listen), "127.0.0.1:8470", 0, 0, NULL,
      "address:port lurewatch-review listens on (HTTP; put a TLS reverse proxy in front, or set review_tls_cert)", TAG_NONE },
    { "review_base_url", K_STRING, OFF(review_base_url), "", 0, 0, NULL,
      "URL reviewers reach lurewatch-review at, e.g. https://review.agency.gov.tw (empty: digests carry no links)", TAG_NONE },
    { "review_key_file", K_STRING, OFF(review_key_file), LW_REVIEW_KEY_FILE, 0, 0, NULL,
      "secret key of the signed review links (at least 32 bytes; readable by its owner only)", TAG_NONE },
    { "review_token_ttl", K_INT, OFF(review_token_ttl), "604800", 60, 31536000, NULL,
      "seconds a signed review link stays valid", TAG_NONE },
    { "review_trusted_proxy_header", K_STRING, OFF(review_trusted_proxy_header), "", 0, 0, NULL,
      "request header naming the reviewer, set by an authenticating reverse proxy (empty: identity only from signed links)", TAG_NONE },
    { "review_state_dir", K_STRING, OFF(review_state_dir), "/var/lib/lurewatch/review", 0, 0, NULL,
      "where lurewatch-review records the links already used (root's, or given to its -u user; not under quarantine_dir)", TAG_NONE },
    { "review_block_file", K_STRING, OFF(review_block_file), "", 0, 0, NULL,
      "plain-list feed (in feeds_dir) that \"Block sender\" appends the sender's address to (empty: block only deletes)", TAG_NONE },
    { "review_tls_cert", K_STRING, OFF(review_tls_cert), "", 0, 0, NULL,
      "PEM certificate for lurewatch-review to speak HTTPS itself (with review_tls_key; empty: plain HTTP)", TAG_NONE },
    { "review_tls_key", K_STRING, OFF(review_tls_key), "", 0, 0, NULL,
      "PEM private key matching review_tls_cert", TAG_NONE },
    /* redis (analyzers/util/redis.c) */
    { "redis_server", K_STRING, OFF(redis_server), "", 0, 0, NULL,
      "shared Redis: host:port, [v6]:port or a unix socket path; empty: no Redis (in-process cache only)", TAG_NONE },
    { "redis_sentinels", K_STRING, OFF(redis_sentinels), "", 0, 0, NULL,
      "Redis Sentinels (host:port, comma separated) asked for the master; overrides redis_server", TAG_NONE },
    { "redis_master_name", K_STRING, OFF(redis_master_name), "mymaster", 0, 0, NULL,
      "master name the Sentinels monitor", TAG_NONE },
    { "redis_db", K_INT, OFF(redis_db), "0", 0, 1000, NULL,
      "Redis database number", TAG_NONE },
    { "redis_password", K_STRING, OFF(redis_password), "", 0, 0, NULL,
      "Redis password (AUTH); empty: none", TAG_NONE },
    { "redis_username", K_STRING, OFF(redis_username), "", 0, 0, NULL,
      "Redis ACL user name (with redis_password); empty: the default user", TAG_NONE },
    { "redis_prefix", K_STRING, OFF(redis_prefix), "lw:", 0, 0, NULL,
      "prefix of every Redis key lurewatch uses", TAG_NONE },
    { "redis_connect_timeout_ms", K_INT, OFF(redis_connect_timeout_ms), "100", 1, 60000, NULL,
      "how long to wait for a Redis connection (milliseconds)", TAG_NONE },
    { "redis_timeout_ms", K_INT, OFF(redis_timeout_ms), "50", 1, 60000, NULL,
      "how long to wait for a Redis reply; past it the message goes on without Redis (milliseconds)", TAG_NONE },
    { "redis_pool_size", K_INT, OFF(redis_pool_size), "4", 1, 256, NULL,
      "Redis connections shared by the scanning threads", TAG_NONE },
    /* verdict cache (analyzers/cache/cache.c) */
    { "cache_entries", K_INT, OFF(cache_entries), "10000", 0, 100000000, NULL,
      "entries of the in-process cache used without Redis (or while it is down); 0 disables it", TAG_NONE },
    { "cache_verdict_ttl", K_INT, OFF(cache_verdict_ttl), "3600", 1, 100000000, NULL,
      "seconds a message verdict stays cached (keyed by body, attachments and sender)", TAG_NONE },
    { "cache_attachment_ttl", K_INT, OFF(cache_attachment_ttl), "86400", 1, 100000000, NULL,
      "seconds an attachment's antivirus result stays cached (keyed with the signature version)", TAG_NONE },
    /* campaign and first contact (analyzers/campaign.c) */
    { "campaign_window", K_INT, OFF(campaign_window), "3600", 1, 100000000, NULL,
      "seconds over which campaign counters add up recipients", TAG_NONE },
    { "campaign_threshold", K_INT, OFF(campaign_threshold), "50", 1, 100000000, NULL,
      "recipients of one body or attachment within the window that make a campaign", TAG_NONE },
    { "campaign_sender_threshold", K_INT, OFF(campaign_sender_threshold), "200", 1, 100000000, NULL,
      "recipients of one sender address within the window that make a sender campaign", TAG_NONE },
    { "first_contact_ttl", K_INT, OFF(first_contact_ttl), "15552000", 1, 1000000000, NULL,
      "seconds a sender stays known after its last clean message (needs Redis)", TAG_NONE },
    /* hits stream (analyzers/cache/hits.c) */
    { "hits_stream", K_STRING, OFF(hits_stream), "hits", 0, 0, NULL,
      "Redis Stream (after redis_prefix) that receives one entry per scored message; empty: none", TAG_NONE },
    { "hits_maxlen", K_INT, OFF(hits_maxlen), "1000000", 1, 1000000000, NULL,
      "approximate length the hits stream is trimmed to (XADD MAXLEN ~)", TAG_NONE },
    { "hits_recipients", K_ENUM, OFF(hits_recipients), "no", 0, 0, bool_choices,
      "put the recipient addresses in hits entries (otherwise only their count)", TAG_NONE },
    { "hits_dedupe_ttl", K_INT, OFF(hits_dedupe_ttl), "604800", 60, 1000000000, NULL,
      "seconds Redis remembers a published event id, so a replayed spool entry is never doubled", TAG_NONE },
    { "spool_dir", K_STRING, OFF(spool_dir), "/var/spool/lurewatch", 0, 0, NULL,
      "directory of the hits spool used while Redis is unreachable", TAG_NONE },
    /* IOC export (ioc/export.c) */
    { "export_dir", K_STRING, OFF(export_dir), "/var/lib/lurewatch/export", 0, 0, NULL,
      "directory where lurewatch-ioc export writes its outputs and its state file (.export-state.json)", TAG_NONE },
    { "export_formats", K_STRING, OFF(export_formats), "stix,misp,csv,postfix,domains,rpz,hashes", 0, 0, NULL,
      "outputs written by lurewatch-ioc export, comma separated: stix (lurewatch-stix.json), misp"
      " (lurewatch-misp.json), csv (lurewatch-iocs.csv), postfix (lurewatch-senders.access), domains"
      " (lurewatch-domains.txt), rpz (lurewatch.rpz), hashes (lurewatch-hashes.txt), misp-feed (the"
      " MISP feed directory misp-feed/: manifest.json, hashes.csv, one event per month)", TAG_NONE },
    { "export_org_name", K_STRING, OFF(export_org_name), "", 0, 0, NULL,
      "organization named as the producer of exported indicators (STIX identity, MISP Orgc); empty: the host name", TAG_NONE },
    { "export_tlp", K_ENUM, OFF(export_tlp), "amber", 0, 0, tlp_choices,
      "TLP 2.0 marking of exports: clear, green, amber, amber+strict or red", TAG_NONE },
    { "export_min_score", K_DOUBLE, OFF(export_min_score), "5", 0, 1000, NULL,
      "messages scored below this are not exported", TAG_NONE },
    { "export_allowlist", K_STRING, OFF(export_allowlist), "", 0, 0, NULL,
      "the organization's own domains (comma separated; subdomains included, *.gov.tw is the same as gov.tw):"
      " never exported as malicious", TAG_NONE },
    { "export_hash_recipients", K_ENUM, OFF(export_hash_recipients), "yes", 0, 0, bool_choices,
      "when the hits stream carries recipients (hits_recipients = yes), export them only as SHA-256 hashes", TAG_NONE },
    { "export_group", K_STRING, OFF(export_group), "export", 0, 0, NULL,
      "Redis consumer group of the exporters on the hits stream", TAG_NONE },
    { "export_consumer", K_STRING, OFF(export_consumer), "", 0, 0, NULL,
      "consumer name of this exporter in the group (keep it stable across runs); empty: instance_name or the host name", TAG_NONE },
    { "export_claim_idle", K_INT, OFF(export_claim_idle), "3600", 0, 100000000, NULL,
      "seconds after which entries another exporter read but never acknowledged are taken over (XAUTOCLAIM)", TAG_NONE },
    { "export_lock_ttl", K_INT, OFF(export_lock_ttl), "900", 1, 86400, NULL,
      "seconds the exporters' lock (SET NX PX) lives if an exporter dies holding it", TAG_NONE },
    { "export_batch", K_INT, OFF(export_batch), "1000", 1, 1000000, NULL,
      "hits stream entries read per request", TAG_NONE },
    { "export_valid_days", K_INT, OFF(export_valid_days), "30", 1, 3650, NULL,
      "days an exported indicator stays valid after it was last seen (STIX valid_until)", TAG_NONE },
    { "export_retention_days", K_INT, OFF(export_retention_days), "90", 1, 3650, NULL,
      "days a message stays in the export state (and its indicators in the outputs) after it was seen", TAG_NONE },
    { "export_rpz_zone", K_STRING, OFF(export_rpz_zone), "rpz.lurewatch.", 0, 0, NULL,
      "origin of the DNS RPZ zone written by the rpz format", TAG_NONE },
    { "export_taxii_url", K_STRING, OFF(export_taxii_url), "", 0, 0, NULL,
      "TAXII 2.1 collection objects URL (https://.../collections/ID/objects/) the STIX objects are pushed to; empty: no push", TAG_NONE },
    { "export_taxii_key_file", K_STRING, OFF(export_taxii_key_file), "", 0, 0, NULL,
      "file holding the TAXII API key (sent as Authorization: Bearer KEY)", TAG_NONE },
    { "export_misp_url", K_STRING, OFF(export_misp_url), "", 0, 0, NULL,
      "MISP base URL (https://misp.example) the event is pushed to through /events; empty: no push", TAG_NONE },
    { "export_misp_key_file", K_STRING, OFF(export_misp_key_file), "", 0, 0, NULL,
      "file holding the MISP automation key (sent as Authorization: KEY)", TAG_NONE },
    { "export_ca_file", K_STRING, OFF(export_ca_file), "", 0, 0, NULL,
      "CA certificates (PEM) trusted for pushes; empty: the system store. TLS verification is always on", TAG_NONE },
    { "export_push_timeout", K_INT, OFF(export_push_timeout), "60", 1, 3600, NULL,
      "seconds one push may take", TAG_NONE },
    /* testing */
    { "fault_inject_header", K_STRING, OFF(fault_inject_header), "", 0, 0, NULL,
      "testing only: a message carrying this header makes the scan fail internally", TAG_NONE },
    /* social-engineering heuristics (impersonation, lookalike, headers, links analyzers) */
    { "protected_domains", K_LIST, OFF(protected_domains), "", 0, 0, NULL,
      "the organization's mail domains; *.gov.tw also covers every domain below gov.tw", TAG_VALUE },
    { "protected_names", K_LIST, OFF(protected_names), "", 0, 0, NULL,
      "the organization's names as senders show them (Chinese and English), comma separated", TAG_VALUE },
    { "vip_names", K_LIST, OFF(vip_names), "", 0, 0, NULL,
      "display names of people attackers impersonate (executives), comma separated", TAG_VALUE },
    { "trusted_authserv_ids", K_LIST, OFF(trusted_authserv_ids), "", 0, 0, NULL,
      "authserv-ids of the Authentication-Results (and ARC-Authentication-Results, top i= only) our own relays add; "
      "others are ignored. Behind Exchange Online add mx.microsoft.com (its ARC stamp)", TAG_NONE },
    { "trust_microsoft_auth_results", K_ENUM, OFF(trust_microsoft_auth_results), "no", 0, 0, bool_choices,
      "yes: believe Exchange Online's topmost Authentication-Results without authserv-id (compauth=...). Not a "
      "trusted_authserv_ids value: the stamp has no id, and yes means every message passes our own tenant first "
      "(never when the Internet reaches the relay directly)", TAG_NONE },
    { "internal_networks", K_LIST, OFF(internal_networks), "127.0.0.0/8, ::1/128", 0, 0, NULL,
      "client networks (CIDR) that are inside the organization; mail from elsewhere is external", TAG_NONE },
    { "brands_file", K_STRING, OFF(brands_file), "", 0, 0, NULL,
      "commonly impersonated brands and abused services (format: contrib/brands.txt); empty: the installed list when it exists", TAG_LOADED },
    { "date_future_hours", K_DOUBLE, OFF(date_future_hours), "24", 1, 1e6, NULL,
      "a Date this many hours after the message was received is suspicious", TAG_NONE },
    { "date_past_days", K_DOUBLE, OFF(date_past_days), "30", 1, 1e6, NULL,
      "a Date this many days before the message was received is suspicious", TAG_NONE },
};

#define FIELD(cfg, k, T) ((T *) ((char *) (cfg) + (k)->offset))

static const struct key *key_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* parse_number - a decimal (or 0-prefixed octal for modes) number with an optional size suffix */
static int parse_number(const struct key *k, const char *value, double *out, struct lw_error *err)
{
    char *end;
    double mult = 1, d;

    errno = 0;
    if (k->type == K_DOUBLE)
        d = g_ascii_strtod(value, &end);
    else
        d = (double) strtoll(value, &end, value[0] == '0' && value[1] != '\0' ? 8 : 10);
    if (end == value || errno != 0 || !isfinite(d))
        return lw_error_set(err, "%s: not a number: \"%s\"", k->name, value);
    if (k->type == K_SIZE && *end != '\0') {
        switch (*end++) {
        case 'k': case 'K': mult = 1024.0; break;
        case 'm': case 'M': mult = 1024.0 * 1024; break;
        case 'g': case 'G': mult = 1024.0 * 1024 * 1024; break;
        default: return lw_error_set(err, "%s: bad size suffix in \"%s\" (use k, M or G)", k->name, value);
        }
    }
    if (*end != '\0')
        return lw_error_set(err, "%s: trailing garbage in \"%s\"", k->name, value);
    d *= mult;
    if (d < k->min || d > k->max)
        return lw_error_set(err, "%s: %s is out of range [%g, %g]", k->name, value, k->min, k->max);
    *out = d;
    return 0;
}

static int set_enum(const struct key *k, int *field, const char *value, struct lw_error *err)
{
    GString *allowed = g_string_new(NULL);

    for (int i = 0; k->choices[i] != NULL; i++) {
        if (strcmp(k->choices[i], value) == 0) {
            *field = i;
            g_string_free(allowed, TRUE);
            return 0;
        }
        g_string_append_printf(allowed, "%s%s", i ? ", " : "", k->choices[i]);
    }
    lw_error_set(err, "%s: \"%s\" is not one of: %s", k->name, value, allowed->str);
    g_string_free(allowed, TRUE);
    return -1;
}

static int set_rule_score(struct lw_config *cfg, const char *rule, const char *value,
                          struct lw_error *err)
{
    static const struct key score_key = { "score", K_DOUBLE, 0, "0", -1000, 1000, NULL, NULL, TAG_VALUE };
    double d, *slot;

    if (*rule == '\0' || strspn(rule, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(rule))
        return lw_error_set(err, "score.%s: bad rule id", rule);
    if (parse_number(&score_key, value, &d, err) < 0)
        return -1;
    slot = g_new(double, 1);
    *slot = d;
    g_hash_table_replace(cfg->rule_scores, g_strdup(rule), slot);
    return 0;
}

/* split_list - "a, b c,,d" into {"a", "b c", "d", NULL}: comma separated, trimmed */
static char **split_list(const char *value)
{
    gchar **items = g_strsplit(value, ",", -1);
    GPtrArray *out = g_ptr_array_new();

    for (int i = 0; items[i] != NULL; i++)
        if (*g_strstrip(items[i]) != '\0')
            g_ptr_array_add(out, g_strdup(items[i]));
    g_ptr_array_add(out, NULL);
    g_strfreev(items);
    return (char **) g_ptr_array_free(out, FALSE);
}

/* lw_config_set - set one key from its text value; -1 and err on a bad key or value */
int lw_config_set(struct lw_config *cfg, const char *key, const char *value,
                  struct lw_error *err)
{
    const struct key *k;
    double d;

    if (g_str_has_prefix(key, "score."))
        return set_rule_score(cfg, key + 6, value, err);
    if ((k = key_find(key)) == NULL)
        return lw_error_set(err, "unknown key \"%s\"", key);
    switch (k->type) {
    case K_STRING:
        if (!g_utf8_validate(value, -1, NULL))
            return lw_error_set(err, "%s: value is not valid UTF-8", key);
        g_free(*FIELD(cfg, k, char *));
        *FIELD(cfg, k, char *) = g_strdup(value);
        return 0;
    case K_ENUM:
        return set_enum(k, FIELD(cfg, k, int), value, err);
    case K_LIST:
        if (!g_utf8_validate(value, -1, NULL))
            return lw_error_set(err, "%s: value is not valid UTF-8", key);
        g_strfreev(*FIELD(cfg, k, char **));
        *FIELD(cfg, k, char **) = split_list(value);
        return 0;
    case K_DOUBLE:
        if (parse_number(k, value, &d, err) < 0)
            return -1;
        *FIELD(cfg, k, double) = d;
        return 0;
    case K_INT:
    case K_SIZE:
        if (parse_number(k, value, &d, err) < 0)
            return -1;
        *FIELD(cfg, k, long long) = (long long) d;
        return 0;
    }
    return lw_error_set(err, "%s: internal error: bad key type", key);
}

/*
 * lw_config_check - relations between keys that no single value shows.
 * Checked once the file and every override are applied, so that
 * "-o quarantine_score=30 -o reject_score=40" works in either order.
 */
int lw_config_check(const struct lw_config *cfg, struct lw_error *err)
{
    if (!(cfg->tag_score <= cfg->quarantine_score && cfg->quarantine_score <= cfg->reject_score))
        return lw_error_set(err, "thresholds must satisfy tag_score <= quarantine_score <= reject_score"
                            " (have %g, %g, %g)", cfg->tag_score, cfg->quarantine_score, cfg->reject_score);
    if (strcmp(cfg->log_target, "syslog") != 0 && strcmp(cfg->log_target, "stderr") != 0)
        return lw_error_set(err, "log_target: \"%s\" is not one of: syslog, stderr", cfg->log_target);
    return 0;
}

/* lw_config_new - the embedded defaults */
struct lw_config *lw_config_new(void)
{
    struct lw_config *cfg = g_new0(struct lw_config, 1);
    struct lw_error err;

    cfg->rule_scores = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    cfg->warnings = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        if (lw_config_set(cfg, keys[i].name, keys[i].dflt, &err) < 0)
            g_error("built-in default: %s", err.text);      /* a bug in the table */
        if (keys[i].tag == TAG_UNSET)
            g_error("%s: the table does not say what it does to the cache tag", keys[i].name);
    }
    return cfg;
}

void lw_config_free(struct lw_config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        if (keys[i].type == K_STRING)
            g_free(*FIELD(cfg, &keys[i], char *));
        else if (keys[i].type == K_LIST)
            g_strfreev(*FIELD(cfg, &keys[i], char **));
    g_hash_table_unref(cfg->rule_scores);
    g_ptr_array_unref(cfg->warnings);
    g_free(cfg->path);
    g_free(cfg);
}

/* split_line - "key = value" into trimmed parts; NULL key for blank and comment lines */
static int split_line(char *line, char **key, char **value, struct lw_error *err)
{
    char *eq, *v;
    size_t n;

    g_strstrip(line);
    *key = NULL;
    if (*line == '\0' || *line == '#')
        return 0;
    if ((eq = strchr(line, '=')) == NULL)
        return lw_error_set(err, "expected \"key = value\"");
    *eq = '\0';
    *key = g_strstrip(line);
    v = g_strstrip(eq + 1);
    n = strlen(v);
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        v[n - 1] = '\0';
        v++;
    }
    if (**key == '\0')
        return lw_error_set(err, "missing key before '='");
    *value = v;
    return 0;
}

/* note_duplicate - a key set twice in one file: a warning naming both lines (the last wins) */
static void note_duplicate(struct lw_config *cfg, GHashTable *seen, const char *key,
                           const char *source, int line)
{
    gpointer first = g_hash_table_lookup(seen, key);

    if (first != NULL)
        g_ptr_array_add(cfg->warnings, g_strdup_printf("%s:%d: \"%s\" is already set at %s:%d;"
                                                       " this later value wins", source, line, key,
                                                       source, GPOINTER_TO_INT(first)));
    else
        g_hash_table_insert(seen, g_strdup(key), GINT_TO_POINTER(line));
}

/*
 * lw_config_parse_text - apply configuration text (len bytes, need not end
 * in NUL); source names it in errors: "source:line: reason". The file
 * checks of lw_config_load() are the caller's business. The fuzzer's entry.
 */
int lw_config_parse_text(struct lw_config *cfg, const char *text, size_t len,
                         const char *source, struct lw_error *err)
{
    gchar *copy = g_strndup(text, len), **lines;
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    struct lw_error why;
    int rc = 0;

    if (strlen(copy) != len) {
        g_free(copy);
        return lw_error_set(err, "%s: NUL byte in configuration", source);
    }
    lines = g_strsplit(copy, "\n", -1);
    for (int i = 0; lines[i] != NULL && rc == 0; i++) {
        char *key, *value = NULL;

        if (split_line(lines[i], &key, &value, &why) < 0
            || (key != NULL && lw_config_set(cfg, key, value, &why) < 0))
            rc = lw_error_set(err, "%s:%d: %s", source, i + 1, why.text);
        else if (key != NULL)
            note_duplicate(cfg, seen, key, source, i + 1);
    }
    g_hash_table_unref(seen);
    g_strfreev(lines);
    g_free(copy);
    return rc;
}

/* lw_config_load - apply a file; on error err says "file:line: reason" */
int lw_config_load(struct lw_config *cfg, const char *path, struct lw_error *err)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    int rc;

    if (lw_config_check_file_safety(path, err) < 0)
        return -1;
    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        lw_error_set(err, "%s: %s", path, gerr->message);
        g_error_free(gerr);
        return -1;
    }
    rc = lw_config_parse_text(cfg, text, len, path, err);
    if (rc == 0) {
        g_free(cfg->path);
        cfg->path = g_strdup(path);
    }
    g_free(text);
    return rc;
}

/* lw_config_override - apply "key=value" from the command line */
int lw_config_override(struct lw_config *cfg, const char *key_eq_value, struct lw_error *err)
{
    gchar **kv = g_strsplit(key_eq_value, "=", 2);
    struct lw_error why;
    int rc;

    if (kv[0] == NULL || kv[1] == NULL) {
        rc = lw_error_set(err, "-o %s: expected key=value", key_eq_value);
    } else {
        g_strstrip(kv[0]);
        rc = lw_config_set(cfg, kv[0], kv[1], &why);
        if (rc < 0)
            lw_error_set(err, "-o %s: %s", key_eq_value, why.text);
    }
    g_strfreev(kv);
    return rc;
}

/*
 * lw_config_check_file_safety - refuse configuration, rules and feed files
 * that anyone could have written: a world-writable file (or directory
 * holding it) lets a local user change what the filter lets through.
 */
int lw_config_check_file_safety(const char *path, struct lw_error *err)
{
    struct stat st;
    gchar *dir;
    int rc = 0;

    if (stat(path, &st) < 0)
        return lw_error_set(err, "%s: %s", path, g_strerror(errno));
    if (!S_ISREG(st.st_mode))
        return lw_error_set(err, "%s: not a regular file", path);
    if (st.st_mode & S_IWOTH)
        return lw_error_set(err, "%s: refusing a world-writable file", path);
    dir = g_path_get_dirname(path);
    if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
        rc = lw_error_set(err, "%s: refusing a file in world-writable directory %s", path, dir);
    g_free(dir);
    return rc;
}

double lw_config_rule_score(const struct lw_config *cfg, const char *rule, double dflt)
{
    const double *d = g_hash_table_lookup(cfg->rule_scores, rule);

    return d ? *d : dflt;
}

/* value_text - a key's value as the configuration file spells it */
static void value_text(const struct lw_config *cfg, const struct key *k, GString *out)
{
    switch (k->type) {
    case K_STRING:
        g_string_append_printf(out, "\"%s\"", *FIELD(cfg, k, char *));
        break;
    case K_ENUM:
        g_string_append(out, k->choices[*FIELD(cfg, k, int)]);
        break;
    case K_LIST: {
        gchar *joined = g_strjoinv(", ", *FIELD(cfg, k, char **));

        g_string_append_printf(out, "\"%s\"", joined);
        g_free(joined);
        break;
    }
    case K_DOUBLE:
        g_string_append_printf(out, "%g", *FIELD(cfg, k, double));
        break;
    case K_INT:
        if (strcmp(k->name, "socket_mode") == 0)
            g_string_append_printf(out, "0%llo", *FIELD(cfg, k, long long));
        else
            g_string_append_printf(out, "%lld", *FIELD(cfg, k, long long));
        break;
    case K_SIZE:
        g_string_append_printf(out, "%lld", *FIELD(cfg, k, long long));
        break;
    }
}

/* rule_scores_text - "score.RULE = N" lines of the overrides, in rule order */
static void rule_scores_text(const struct lw_config *cfg, GString *out)
{
    GList *rules = g_list_sort(g_hash_table_get_keys(cfg->rule_scores), (GCompareFunc) strcmp);

    for (GList *l = rules; l != NULL; l = l->next)
        g_string_append_printf(out, "score.%s = %g\n", (char *) l->data,
                               *(double *) g_hash_table_lookup(cfg->rule_scores, l->data));
    g_list_free(rules);
}

/*
 * lw_config_dump - print every key as "key = value"; with_help prints the
 * sample-file form instead: each key commented out at its value, under its
 * help text (contrib/lurewatch.conf.sample is made this way).
 */
void lw_config_dump(const struct lw_config *cfg, FILE *fp, int with_help)
{
    GString *value = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        if (with_help)
            fprintf(fp, "\n# %s\n#%s = ", keys[i].help, keys[i].name);
        else
            fprintf(fp, "%s = ", keys[i].name);
        g_string_truncate(value, 0);
        value_text(cfg, &keys[i], value);
        fprintf(fp, "%s\n", value->str);
    }
    g_string_truncate(value, 0);
    rule_scores_text(cfg, value);
    fputs(value->str, fp);
    g_string_free(value, TRUE);
}

/* man_text - s as roff text: backslashes and hyphens escaped, safe at the start of a line */
static void man_text(FILE *fp, const char *s)
{
    fputs("\\&", fp);
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            fputs("\\e", fp);
        else if (*s == '-')
            fputs("\\-", fp);
        else
            fputc(*s, fp);
    }
}

/* man_kind - what a key takes: its type, the choices or the bounds */
static void man_kind(FILE *fp, const struct key *k)
{
    static const char *const type_name[] = {
        [K_STRING] = "text", [K_DOUBLE] = "number", [K_INT] = "integer",
        [K_SIZE] = "size (k, M, G: powers of 1024)", [K_ENUM] = "one of", [K_LIST] = "comma-separated list",
    };
    GString *kind = g_string_new(type_name[k->type]);

    if (k->type == K_ENUM)
        for (int i = 0; k->choices[i] != NULL; i++)
            g_string_append_printf(kind, "%s %s", i ? "," : "", k->choices[i]);
    else if (k->type == K_DOUBLE)
        g_string_append_printf(kind, ", %g to %g", k->min, k->max);
    else if (k->type == K_INT || k->type == K_SIZE)
        g_string_append_printf(kind, k->max >= BIG ? ", at least %.0f" : ", %.0f to %.0f", k->min, k->max);
    man_text(fp, kind->str);
    g_string_free(kind, TRUE);
}

/*
 * lw_config_man - every key as a roff tagged paragraph: name, help, what it
 * takes and its built-in default (lurewatch.conf(5) is made this way)
 */
void lw_config_man(FILE *fp)
{
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        fprintf(fp, ".TP\n.B %s\n", keys[i].name);
        man_text(fp, keys[i].help);
        fputs(g_str_has_suffix(keys[i].help, ".") ? "\n.br\n" : ".\n.br\n", fp);
        man_kind(fp, &keys[i]);
        fputs("; default: ", fp);
        if (*keys[i].dflt != '\0') {
            fputs("\\fB", fp);
            man_text(fp, keys[i].dflt);
            fputs("\\fR", fp);
        } else {
            fputs("empty", fp);
        }
        fputs(".\n", fp);
    }
}

/*
 * lw_config_tag - add to sum every key that changes what the content
 * analyzers find (TAG_VALUE: name and value) and the score overrides. Keys
 * that name loaded data (TAG_LOADED) are left to the analyzers that load
 * them, and keys that act after the cache or outside the scan (TAG_NONE)
 * are left out, so that instances differing only in those share verdicts.
 */
void lw_config_tag(const struct lw_config *cfg, GChecksum *sum)
{
    GString *value = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        if (keys[i].tag != TAG_VALUE)
            continue;
        g_string_truncate(value, 0);
        value_text(cfg, &keys[i], value);
        g_checksum_update(sum, (const guchar *) keys[i].name, (gssize) strlen(keys[i].name) + 1);
        g_checksum_update(sum, (const guchar *) value->str, (gssize) value->len + 1);
    }
    g_string_truncate(value, 0);
    rule_scores_text(cfg, value);
    g_checksum_update(sum, (const guchar *) value->str, (gssize) value->len);
    g_string_free(value, TRUE);
}

/* lw_config_setup - defaults, then a file, then -o overrides */
struct lw_config *lw_config_setup(const char *path, char *const *overrides, struct lw_error *err)
{
    struct lw_config *cfg = lw_config_new();
    struct lw_error why;

    if (path == NULL && g_file_test(LW_CONFIG_FILE, G_FILE_TEST_EXISTS))
        path = LW_CONFIG_FILE;
    if (path != NULL && lw_config_load(cfg, path, err) < 0) {
        lw_config_free(cfg);
        return NULL;
    }
    for (int i = 0; overrides && overrides[i]; i++) {
        if (lw_config_override(cfg, overrides[i], err) < 0) {
            lw_config_free(cfg);
            return NULL;
        }
    }
    if (lw_config_check(cfg, &why) < 0) {
        lw_error_set(err, "%s%s%s", path ? path : "", path ? ": " : "", why.text);
        lw_config_free(cfg);
        return NULL;
    }
    return cfg;
}
