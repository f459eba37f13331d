/* conf.h - lurewatch.conf: the one configuration every tool reads */
#ifndef LW_CONF_H
#define LW_CONF_H

#include <stdio.h>
#include <glib.h>
#include "error.h"

enum lw_failure_policy { LW_FAIL_ACCEPT, LW_FAIL_TEMPFAIL };
enum lw_add_headers { LW_HEADERS_ALWAYS, LW_HEADERS_SCORED, LW_HEADERS_NEVER };

/*
 * Every key of lurewatch.conf is a field here and a row in the table in
 * config.c; the table gives its type, default, bounds and help text.
 * Strings and lists are owned by the configuration.
 */
struct lw_config {
    char *path;                 /* file loaded, or NULL for embedded defaults */

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
    GHashTable *rule_scores;    /* rule id -> double* override (score.RULE = N) */

    /* parsing limits */
    long long max_message_size;
    long long max_parts;
    long long max_depth;
    long long max_headers;
    long long max_header_length;
    long long max_text_size;
    double limit_score;

    /* daemon */
    char *milter_socket;
    char *user;
    long long socket_mode;
    char *log_target;
    int log_level;              /* enum lw_log_level */
    char *instance_name;

    /* testing */
    char *fault_inject_header;
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

