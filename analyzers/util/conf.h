/* conf.h - lurewatch.conf: the one configuration every tool reads */
#ifndef LW_CONF_H
#define LW_CONF_H

#include <stdio.h>
#include <glib.h>
#include "util/error.h"

enum lw_failure_policy { LW_FAIL_ACCEPT, LW_FAIL_TEMPFAIL };
enum lw_add_headers { LW_HEADERS_ALWAYS, LW_HEADERS_SCORED, LW_HEADERS_NEVER };
enum lw_report_language { LW_LANG_ZH_TW, LW_LANG_EN, LW_LANG_BOTH };
enum lw_mta { LW_MTA_POSTFIX, LW_MTA_SENDMAIL };

/*
 * Every key of lurewatch.conf is a field here and a row in the table in
 * config.c; the table gives its type, default, bounds and help text.
 * Strings and lists are owned by the configuration.
 */
struct lw_config {
    char *path;                 /* file loaded, or NULL for embedded defaults */
    GPtrArray *warnings;        /* what loading noticed but accepted ("file:line: ..."), for the caller to say */

    /* policy */
    double tag_score;
    double quarantine_score;
    double reject_score;
    int failure_policy;         /* enum lw_failure_policy */
    int add_headers;            /* enum lw_add_headers */
    char *subject_prefix;
    char *reject_message;

    /* rules */
    char *rules_file;
    int rules_jit;              /* 1: PCRE2 JIT (default), 0: the interpreter only */
    int rules_prefilter;        /* 1: run a pattern only when its required literal occurs (default) */
    long long rules_match_limit;    /* PCRE2 match limit per pattern and text */
    long long rules_depth_limit;    /* PCRE2 depth limit (backtracking memory; the interpreter only) */
    GHashTable *rule_scores;    /* rule id -> double* override (score.RULE = N) */

    /* parsing limits */
    long long max_message_size;
    long long max_parts;
    long long max_depth;
    long long max_headers;
    long long max_header_length;
    long long max_text_size;
    long long max_address_groups;   /* group openings per address field, checked before GMime */
    long long max_mime_parameters;  /* parameters per Content-Type/-Disposition, before GMime */
    long long max_decoded_size;     /* decoded bytes kept per message (parts, attached-message copies) */
    double limit_score;

    /* urls and indicators */
    long long max_urls;
    long long max_url_length;
    long long qr_max_images;        /* pictures decoded for QR codes per message; 0 = off */
    long long qr_max_image_size;    /* bytes, encoded */
    long long qr_max_pixels;        /* width * height, decoded */
    char *feeds_dir;
    char *warninglists_dir;     /* MISP warninglists; "": the installed set if any */
    /* attachments (libclamav) */
    int clamav;                 /* 1: libclamav scans parts (default); 0: only our file checks */
    char *clamav_db;            /* comma-separated signature directories; "" = defaults */
    long long clamav_max_scansize;
    long long clamav_max_filesize;
    long long clamav_max_files;
    long long clamav_max_recursion;
    long long clamav_max_scantime;  /* milliseconds */
    long long clamav_max_image_pixels;  /* width x height libclamav decodes per picture */
    long long clamav_max_message_pixels;    /* ... and over all the pictures of one message */
    char *clamav_tmpdir;        /* libclamav's scratch directory; "" = $TMPDIR or /tmp */

    /* daemon */
    char *milter_socket;
    char *user;
    long long socket_mode;
    char *log_target;
    int log_level;              /* enum lw_log_level */
    int log_facility;           /* index of lw_log_facility_names */
    int log_format;             /* enum lw_log_format */
    long long reload_check_interval;   /* seconds; 0 = never */
    char *instance_name;
    char *metrics_listen;       /* Prometheus endpoint: "127.0.0.1:PORT", "[::1]:PORT"; "" = off */
    long long scan_concurrency; /* messages analysed at once by the milter; -1 = CPUs online, 0 = no limit */
    long long scan_wait_timeout;/* seconds a message may wait for its turn (then failure_policy) */

    /* quarantine review (lurewatch-report) */
    char *quarantine_dir;
    int quarantine_store;       /* enum lw_qstore_kind (review/quarantine_store.h) */
    char *report_to;
    char *report_domain_reviewers;
    char *report_from;
    char *report_sendmail;
    int report_language;        /* enum lw_report_language */
    int report_attach_original; /* 0 no, 1 yes */
    int report_notify_recipients; /* 0 no, 1 yes */
    long long report_expire_days;
    int mta;                    /* enum lw_mta: whose queue holds quarantined mail */
    char *postfix_command_dir;
    char *postfix_config_dir;
    char *sendmail_program;     /* mta = sendmail: the sendmail binary a release runs */
    char *sendmail_queue_dir;   /* mta = sendmail: QueueDirectory, where delete removes the files */
    /* the review service and the digest's signed links */
    char *review_listen;
    char *review_base_url;
    char *review_key_file;
    long long review_token_ttl; /* seconds */
    char *review_trusted_proxy_header;
    char *review_state_dir;
    char *review_block_file;
    char *review_tls_cert;
    char *review_tls_key;
    /* redis, verdict cache, campaign signals, hits stream (redis.c, cache.c, campaign.c, hits.c) */
    char *redis_server;
    char *redis_sentinels;
    char *redis_master_name;
    long long redis_db;
    char *redis_password;
    char *redis_username;
    char *redis_prefix;
    long long redis_connect_timeout_ms;
    long long redis_timeout_ms;
    long long redis_pool_size;
    long long cache_entries;
    long long cache_verdict_ttl;
    long long cache_attachment_ttl;
    long long campaign_window;
    long long campaign_threshold;
    long long campaign_sender_threshold;
    long long first_contact_ttl;
    char *hits_stream;
    long long hits_maxlen;
    int hits_recipients;        /* 0 no, 1 yes */
    long long hits_dedupe_ttl;
    char *spool_dir;

    /* IOC export (ioc/export.c, lurewatch-ioc export) */
    char *export_dir;
    char *export_formats;
    char *export_org_name;
    int export_tlp;             /* index in clear, green, amber, amber+strict, red */
    double export_min_score;
    char *export_allowlist;
    int export_hash_recipients; /* 0 no, 1 yes */
    char *export_group;
    char *export_consumer;
    long long export_claim_idle;
    long long export_lock_ttl;
    long long export_batch;
    long long export_valid_days;
    long long export_retention_days;
    char *export_rpz_zone;
    char *export_taxii_url;
    char *export_taxii_key_file;
    char *export_misp_url;
    char *export_misp_key_file;
    char *export_ca_file;
    long long export_push_timeout;

    /* testing */
    char *fault_inject_header;

    /* social-engineering heuristics (lists: NULL-terminated, comma separated in the file) */
    char **protected_domains;   /* the organization's domains; "*.gov.tw" matches below */
    char **protected_names;     /* the organization's names, any language */
    char **vip_names;           /* display names of people worth impersonating */
    char **trusted_authserv_ids;/* Authentication-Results ids added by our own relays */
    int trust_microsoft_auth_results; /* 0 no, 1 yes: Exchange Online's id-less stamp */
    char **internal_networks;   /* CIDR: clients that count as inside the organization */
    char *brands_file;          /* brands and service lists; "": the installed one if any */
    double date_future_hours;   /* Date later than the receipt time by more than this */
    double date_past_days;      /* Date earlier than the receipt time by more than this */
};

struct lw_config *lw_config_new(void);
void lw_config_free(struct lw_config *cfg);
int lw_config_load(struct lw_config *cfg, const char *path, struct lw_error *err);
int lw_config_parse_text(struct lw_config *cfg, const char *text, size_t len,
                         const char *source, struct lw_error *err);
int lw_config_set(struct lw_config *cfg, const char *key, const char *value,
                  struct lw_error *err);
int lw_config_override(struct lw_config *cfg, const char *key_eq_value, struct lw_error *err);
void lw_config_dump(const struct lw_config *cfg, FILE *fp, int with_help);
/* lw_config_man - the keys of the table as roff tagged paragraphs, for lurewatch.conf(5) */
void lw_config_man(FILE *fp);
/* lw_config_tag - add the keys that change verdicts (and score overrides) to sum */
void lw_config_tag(const struct lw_config *cfg, GChecksum *sum);
int lw_config_check(const struct lw_config *cfg, struct lw_error *err);
int lw_config_check_file_safety(const char *path, struct lw_error *err);

/* lw_config_rule_score - the configured score of a rule, or dflt */
double lw_config_rule_score(const struct lw_config *cfg, const char *rule, double dflt);

/*
 * lw_config_setup - what every tool does first: embedded defaults, then the
 * file (path, or the default file when it exists), then each -o override.
 * NULL and err on any problem.
 */
struct lw_config *lw_config_setup(const char *path, char *const *overrides, struct lw_error *err);

#endif

