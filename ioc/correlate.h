/* correlate.h - cross-agency correlation of exported indicators into campaigns */
#ifndef LW_CORRELATE_H
#define LW_CORRELATE_H

#include <stdio.h>
#include <glib.h>
#include "util/error.h"
#include "model/indicator.h"

/* One indicator as one agency reported it (from a STIX bundle or a MISP event). */
struct lw_corr_item {
    char *agency;               /* owned */
    struct lw_indicator *ind;   /* owned */
    gint64 first, last;         /* Unix seconds */
    long long count;            /* sightings (messages) */
};

/* What the input files hold: items, and links between items seen in the same message. */
struct lw_corr_input {
    GPtrArray *items;           /* of struct lw_corr_item * (owned) */
    GArray *links;              /* of guint pairs: indexes into items */
};

struct lw_corr_input *lw_corr_input_new(void);
void lw_corr_input_free(struct lw_corr_input *in);

/* ---- export_json.c ---- */
/* lw_corr_load - add the indicators of a STIX 2.1 bundle or a MISP event file; -1 and err */
int lw_corr_load(struct lw_corr_input *in, const char *path, struct lw_error *err);

/* One campaign: a connected group of indicators. */
struct lw_corr_campaign {
    char *id;                   /* campaign--UUIDv5 over the smallest key */
    char *name;
    GPtrArray *items;           /* const struct lw_corr_item * (borrowed) */
    GPtrArray *agencies;        /* sorted unique char * (borrowed) */
};

/* lw_corr_bundle - a merged STIX bundle: identities, indicators, sightings, campaigns; g_free */
char *lw_corr_bundle(const struct lw_corr_input *in, const GPtrArray *campaigns);

/* ---- correlate.c ---- */
/* lw_corr_key - the campaign key of an indicator ("type:value", subject skeletons), or NULL (weak); g_free */
char *lw_corr_key(const struct lw_indicator *ind);
/* lw_corr_campaigns - group items into campaigns seen by at least min_agencies; of struct lw_corr_campaign * */
GPtrArray *lw_corr_campaigns(const struct lw_corr_input *in, guint min_agencies);
void lw_corr_print(FILE *fp, const GPtrArray *campaigns);

#endif
