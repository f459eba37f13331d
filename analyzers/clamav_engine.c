/*
 * clamav_engine.c - one libclamav engine from the configured signature directories, and scans through it
 *
 * DESCRIPTION
 *     lw_clam_new() turns the clamav_* configuration keys into a compiled,
 *     read-only struct cl_engine: every directory of clamav_db is loaded
 *     with CL_DB_STDOPT (.cvd/.cld, .ndb, .hdb, .hsb, .ldb, .yar, ...), the
 *     limits are set, its callbacks are installed and the engine
 *     is compiled. Nothing is changed afterwards: a reload builds a whole new
 *     lurewatch engine (lw_engine_new), never calls cl_load or
 *     cl_engine_set_num on a live one (api-notes 3.3).
 *
 *     lw_clam_scan() scans one buffer from memory and tells its caller, the
 *     attachments analyzer, what it meets (struct lw_clam_events): each
 *     match by name, each limit by its configuration key, each unpacked
 *     file with where it sat. Which hits those make is the caller's call.
 *
 *     clamav_db is a comma-separated list of directories. Empty (the
 *     default) means: /var/lib/clamav when it exists, plus the project's
 *     installed signatures (LW_SIGNATURES_DIR) when they exist; with neither,
 *     the engine has no signatures and only the heuristics run. A directory
 *     named explicitly must exist.
 *
 *     The version string lands in every verdict: "daily-N" from the official
 *     databases (CL_ENGINE_DB_VERSION) and "local-HASH", the first 12 hex
 *     digits of a SHA-256 over the names and contents of the non-official
 *     files in byte order of their names (never the order the directory
 *     lists them in), so two relays with the same local signatures report
 *     the same version.
 *
 *     lw_clam_changed() is the cheap reload probe (cl_statchkdir: a stat of
 *     each file), for a timer or a signal handler thread in the milter.
 *
 *     clamav_tmpdir names the private directory libclamav unpacks into (it
 *     makes one subdirectory per scan); a group- or world-writable one is
 *     refused.
 *
 * LIMITS
 *     libclamav decodes every picture for its image parsers and fuzzy hash
 *     (CL_SCAN_PARSE_IMAGE, CL_SCAN_PARSE_IMAGE_FUZZY_HASH), at about 7
 *     bytes and 40 ns per pixel, whatever the picture's size in bytes: a
 *     500 KB PNG declaring 20000 x 20000 pixels took 2 GB and 20 s. Each
 *     picture's declared size is read from its header first
 *     (lw_image_pixels); over clamav_max_image_pixels, a scanned buffer is
 *     scanned with image parsing off and an unpacked file is skipped
 *     (CL_BREAK from the file-inspection callback, which runs before the
 *     image parsers); either way the scan is reported incomplete. The
 *     pictures decoded are also counted against a budget per message
 *     (clamav_max_message_pixels, the caller's): past it, a picture is
 *     treated as over the per-picture limit, so a message of many
 *     pictures, each under that limit, is bounded too.
 *
 *     The clean-result cache is disabled (CL_ENGINE_DISABLE_CACHE): a cached
 *     clean archive is not unpacked again, so the file-inspection callback
 *     would not see its members and the name/type heuristics would pass the
 *     second copy of a message they flagged the first time. Cost: about 2 ms
 *     per 2 MB attachment (api-notes 3.4).
 *
 * SECURITY
 *     Signature files are trusted code-like input; a world-writable file or
 *     directory is refused like the rules file.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "clamav_engine.h"
#include "model/image.h"
#include "util/sort.h"

#define OFFICIAL_DIR "/var/lib/clamav"

/* drop_message - libclamav's own messages: library code does not log; errors come back in err */
static void drop_message(enum cl_msg severity, const char *fullmsg, const char *msg, void *context)
{
}

/* clam_global_init - cl_init once per process; start-up only */
static gpointer clam_global_init(gpointer unused)
{
    cl_set_clcb_msg(drop_message);
    return GINT_TO_POINTER(cl_init(CL_INIT_DEFAULT));
}

/* lw_clam_dirs - explicit directories must exist; defaults only when they do */
GPtrArray *lw_clam_dirs(const struct lw_config *cfg, struct lw_error *err)
{
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    gchar **names;

    if (*cfg->clamav_db == '\0') {
        if (g_file_test(OFFICIAL_DIR, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(dirs, g_strdup(OFFICIAL_DIR));
        if (g_file_test(LW_SIGNATURES_DIR, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(dirs, g_strdup(LW_SIGNATURES_DIR));
        return dirs;
    }
    names = g_strsplit(cfg->clamav_db, ",", -1);
    for (int i = 0; names[i] != NULL; i++) {
        struct stat st;
        char *d = g_strstrip(names[i]);

        if (*d == '\0')
            continue;
        int bad = stat(d, &st) < 0 ? errno : 0;

        if (bad || !S_ISDIR(st.st_mode)) {
            lw_error_set(err, "clamav_db: %s: %s", d, bad ? g_strerror(bad) : "not a directory");
            g_strfreev(names);
            g_ptr_array_unref(dirs);
            return NULL;
        }
        g_ptr_array_add(dirs, g_strdup(d));
    }
    g_strfreev(names);
    return dirs;
}

/*
 * sorted_files - regular files of dir, sorted by name (g_ptr_array_unref);
 * NULL and err when dir cannot be read (as the user the milter runs as: a
 * directory only root can read would otherwise load no signature at all)
 */
static GPtrArray *sorted_files(const char *dir, struct lw_error *err)
{
    GPtrArray *files;
    GError *gerr = NULL;
    GDir *d = g_dir_open(dir, 0, &gerr);
    const char *name;

    if (d == NULL) {
        lw_error_set(err, "clamav_db: %s", gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    files = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(d)) != NULL) {
        char *path = g_build_filename(dir, name, NULL);

        if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add(files, path);
        else
            g_free(path);
    }
    g_dir_close(d);
    g_ptr_array_sort(files, lw_cmp_strptr);
    return files;
}

static int is_official(const char *path)
{
    return g_str_has_suffix(path, ".cvd") || g_str_has_suffix(path, ".cld")
        || g_str_has_suffix(path, ".cud");
}

/* check_dir_safety - no world-writable signature file or directory */
static int check_dir_safety(const char *dir, const GPtrArray *files, struct lw_error *err)
{
    struct stat st;

    if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
        return lw_error_set(err, "clamav_db: refusing world-writable directory %s", dir);
    for (guint i = 0; i < files->len; i++) {
        const char *f = g_ptr_array_index(files, i);

        if (stat(f, &st) == 0 && (st.st_mode & S_IWOTH))
            return lw_error_set(err, "clamav_db: refusing world-writable file %s", f);
    }
    return 0;
}

/* find_bad_file - after a failed directory load, the first file that fails alone */
static void find_bad_file(const GPtrArray *files, cl_error_t dir_rc, struct lw_error *err)
{
    for (guint i = 0; i < files->len; i++) {
        const char *f = g_ptr_array_index(files, i);
        struct cl_engine *scratch = cl_engine_new();
        unsigned int n = 0;
        cl_error_t rc = scratch ? cl_load(f, scratch, &n, CL_DB_STDOPT) : CL_EMEM;

        if (scratch)
            cl_engine_free(scratch);
        if (rc != CL_SUCCESS) {
            lw_error_set(err, "clamav_db: %s: %s", f, cl_strerror(rc));
            return;
        }
    }
    lw_error_set(err, "clamav_db: %s", cl_strerror(dir_rc));
}

/* load_dir - load one directory, hashing its local (non-.cvd/.cld) files; err names the bad file */
static int load_dir(struct lw_clam *c, const char *dir, GChecksum *local, int *have_local,
                    struct lw_error *err)
{
    GPtrArray *files = sorted_files(dir, err);
    cl_error_t rc;
    int ret = 0;

    if (files == NULL)
        return -1;
    if (check_dir_safety(dir, files, err) < 0) {
        g_ptr_array_unref(files);
        return -1;
    }
    if (files->len > 0 && (rc = cl_load(dir, c->engine, &c->signatures, CL_DB_STDOPT)) != CL_SUCCESS) {
        find_bad_file(files, rc, err);
        ret = -1;
    }
    for (guint i = 0; ret == 0 && i < files->len; i++) {
        const char *f = g_ptr_array_index(files, i);
        gchar *data = NULL, *base = g_path_get_basename(f);
        gsize len = 0;

        if (!is_official(f) && g_file_get_contents(f, &data, &len, NULL)) {
            *have_local = 1;
            g_checksum_update(local, (const guchar *) base, strlen(base) + 1);
            g_checksum_update(local, (const guchar *) data, len);
        }
        g_free(data);
        g_free(base);
    }
    g_ptr_array_unref(files);
    return ret;
}

/* set_limits - the clamav_max_* keys, and the fixed settings; before compile */
static int set_limits(struct cl_engine *e, const struct lw_config *cfg, struct lw_error *err)
{
    struct { enum cl_engine_field f; long long v; const char *key; } nums[] = {
        { CL_ENGINE_MAX_SCANSIZE, cfg->clamav_max_scansize, "clamav_max_scansize" },
        { CL_ENGINE_MAX_FILESIZE, cfg->clamav_max_filesize, "clamav_max_filesize" },
        { CL_ENGINE_MAX_FILES, cfg->clamav_max_files, "clamav_max_files" },
        { CL_ENGINE_MAX_RECURSION, cfg->clamav_max_recursion, "clamav_max_recursion" },
        { CL_ENGINE_MAX_SCANTIME, cfg->clamav_max_scantime, "clamav_max_scantime" },
        { CL_ENGINE_DISABLE_CACHE, 1, "disable cache" },
    };

    struct stat st;

    for (size_t i = 0; i < G_N_ELEMENTS(nums); i++)
        if (cl_engine_set_num(e, nums[i].f, nums[i].v) != CL_SUCCESS)
            return lw_error_set(err, "clamav: cannot set %s to %lld", nums[i].key, nums[i].v);
    if (*cfg->clamav_tmpdir == '\0')
        return 0;
    if (stat(cfg->clamav_tmpdir, &st) < 0)
        return lw_error_set(err, "clamav_tmpdir: %s: %s", cfg->clamav_tmpdir, g_strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return lw_error_set(err, "clamav_tmpdir: %s: not a directory", cfg->clamav_tmpdir);
    if (st.st_mode & (S_IWOTH | S_IWGRP))
        return lw_error_set(err, "clamav_tmpdir: %s: refusing a group- or world-writable directory"
                            " (attachments are unpacked there)", cfg->clamav_tmpdir);
    if (cl_engine_set_str(e, CL_ENGINE_TMPDIR, cfg->clamav_tmpdir) != CL_SUCCESS)
        return lw_error_set(err, "clamav: cannot set clamav_tmpdir");
    return 0;
}

/* make_version - "daily-N+local-HASH", "daily-N", "local-HASH" or "none" (g_free) */
static char *make_version(const struct lw_clam *c, GChecksum *local, int have_local)
{
    unsigned long long daily = (unsigned long long) cl_engine_get_num(c->engine, CL_ENGINE_DB_VERSION, NULL);
    GString *v = g_string_new(NULL);

    if (daily > 0)
        g_string_append_printf(v, "daily-%llu", daily);
    if (have_local)
        g_string_append_printf(v, "%slocal-%.12s", v->len ? "+" : "", g_checksum_get_string(local));
    if (v->len == 0)
        g_string_append(v, "none");
    return g_string_free(v, FALSE);
}

/* set_options - the one option set of every scan: all parsers, heuristics, every match */
static void set_options(struct cl_scan_options *o)
{
    memset(o, 0, sizeof(*o));
    o->general = CL_SCAN_GENERAL_ALLMATCHES | CL_SCAN_GENERAL_HEURISTICS;
    o->parse = ~0u;
    o->heuristic = CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE | CL_SCAN_HEURISTIC_ENCRYPTED_DOC
        | CL_SCAN_HEURISTIC_MACROS | CL_SCAN_HEURISTIC_EXCEEDS_MAX;
}

/* ---- what a scan reports ---- */

/* one scan's context, handed to libclamav and back to the callbacks below */
struct scan_ctx {
    const struct lw_clam_events *ev;
    void *ctx;
    const char *label;
    unsigned long long max_image_pixels;
    unsigned long long *pixels;     /* what is left of the message's budget, or NULL */
};

/*
 * picture_over - the limit a picture of these declared pixels exceeds
 * (clamav_max_image_pixels, or the message's budget, clamav_max_message_pixels),
 * or NULL, when its pixels are taken from the budget
 */
static const char *picture_over(const struct scan_ctx *sc, unsigned long long pixels)
{
    if (pixels > sc->max_image_pixels)
        return "clamav_max_image_pixels";
    if (sc->pixels != NULL && pixels > *sc->pixels)
        return "clamav_max_message_pixels";
    if (sc->pixels != NULL)
        *sc->pixels -= pixels;
    return NULL;
}

/* limit_key - the configuration key behind a Heuristics.Limits.Exceeded.* name */
static const char *limit_key(const char *what)
{
    static const char *const map[][2] = {
        { "MaxFileSize", "clamav_max_filesize" }, { "MaxScanSize", "clamav_max_scansize" },
        { "MaxFiles", "clamav_max_files" }, { "MaxRecursion", "clamav_max_recursion" },
        { "MaxScanTime", "clamav_max_scantime" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
        if (g_str_has_prefix(what, map[i][0]))
            return map[i][1];
    return what;
}

/* on_virus - libclamav's per-detection callback (every match: ALLMATCHES): a limit or a match */
static void on_virus(int fd, const char *virname, void *context)
{
    const struct scan_ctx *sc = context;
    gchar *name;

    if (sc == NULL || virname == NULL)
        return;
    name = g_strdup(virname);
    if (g_str_has_suffix(name, ".UNOFFICIAL"))
        name[strlen(name) - strlen(".UNOFFICIAL")] = '\0';
    if (g_str_has_prefix(name, "Heuristics.Limits.Exceeded."))
        sc->ev->incomplete(sc->ctx, limit_key(name + strlen("Heuristics.Limits.Exceeded.")), 0);
    else
        sc->ev->detected(sc->ctx, name);
    g_free(name);
}

/*
 * real_name - a name from the archive, or NULL for the scratch names
 * libclamav gives what has none: "clamav-<32 hex>.tmp" temporary files and
 * "<32 hex>_N" OLE2 streams.
 */
static const char *real_name(const char *name)
{
    const char *base;

    if (name == NULL)
        return NULL;
    base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    if (g_str_has_prefix(base, "clamav-") && g_str_has_suffix(base, ".tmp"))
        return NULL;
    if (strlen(base) > 33 && strspn(base, "0123456789abcdef") == 32 && base[32] == '_')
        return NULL;
    return name;
}

/* on_file - libclamav's file-inspection callback: each unpacked file with its ancestors */
static cl_error_t on_file(int fd, const char *type, const char **ancestors, size_t parent_size,
                          const char *file_name, size_t file_size, const char *file_buffer,
                          uint32_t level, uint32_t attributes, void *context)
{
    const struct scan_ctx *sc = context;
    const char *over;
    GString *where;

    if (sc == NULL || file_buffer == NULL)
        return CL_CLEAN;
    if (level > 0 && (over = picture_over(sc, lw_image_pixels(file_buffer, file_size))) != NULL) {
        sc->ev->incomplete(sc->ctx, over, 0);
        return CL_BREAK;        /* not decoded; level 0 is scanned without image parsing instead */
    }
    if (level == 0 || (attributes & LAYER_ATTRIBUTES_NORMALIZED))
        return CL_CLEAN;
    where = g_string_new(sc->label);
    file_name = real_name(file_name);
    for (uint32_t i = 1; i < level; i++)
        g_string_append_printf(where, " > %s", ancestors && real_name(ancestors[i]) ? ancestors[i] : "?");
    g_string_append_printf(where, " > %s", file_name ? file_name : "(unnamed)");
    sc->ev->unpacked(sc->ctx, where->str, file_name, (const unsigned char *) file_buffer, file_size);
    g_string_free(where, TRUE);
    return CL_CLEAN;
}

/* lw_clam_scan - one buffer through the engine; what it meets goes to ev */
int lw_clam_scan(const struct lw_clam *c, const unsigned char *data, size_t len, const char *name,
                 const char *label, const struct lw_clam_events *ev, void *ctx, unsigned long long *pixels,
                 struct lw_error *err)
{
    static const struct { cl_error_t rc; const char *key; } limits[] = {
        { CL_EMAXREC, "clamav_max_recursion" }, { CL_EMAXSIZE, "clamav_max_scansize" },
        { CL_EMAXFILES, "clamav_max_files" }, { CL_ETIMEOUT, "clamav_max_scantime" },
    };
    struct scan_ctx sc = { ev, ctx, label, c->max_image_pixels, pixels };
    struct cl_scan_options opts = c->opts;
    const char *over;
    gchar *why;
    const char *virname = NULL;
    unsigned long scanned = 0;
    cl_fmap_t *map;
    cl_error_t rc;

    if ((over = picture_over(&sc, lw_image_pixels(data, len))) != NULL) {
        opts.parse &= ~(CL_SCAN_PARSE_IMAGE | CL_SCAN_PARSE_IMAGE_FUZZY_HASH);
        ev->incomplete(ctx, over, 0);
    }
    if ((map = cl_fmap_open_memory(data, len)) == NULL)
        return lw_error_set(err, "clamav: cannot map %s", label);
    rc = cl_scanmap_callback(map, name, &virname, &scanned, c->engine, &opts, &sc);
    cl_fmap_close(map);
    if (rc == CL_CLEAN || rc == CL_VIRUS)
        return 0;
    if (rc == CL_EMEM)
        return lw_error_set(err, "clamav: %s: %s", label, cl_strerror(rc));
    for (size_t i = 0; i < G_N_ELEMENTS(limits); i++) {
        if (limits[i].rc == rc) {
            ev->incomplete(ctx, limits[i].key, 0);
            return 0;
        }
    }
    why = g_strdup_printf("libclamav error (%s)", cl_strerror(rc));
    ev->incomplete(ctx, why, 1);        /* a full or unwritable clamav_tmpdir */
    g_free(why);
    return 0;
}

/* ---- building the engine ---- */

/* lw_clam_new - load, limit, hook, compile */
struct lw_clam *lw_clam_new(const struct lw_config *cfg, struct lw_error *err)
{
    static GOnce once = G_ONCE_INIT;
    struct lw_clam *c;
    GChecksum *local;
    int have_local = 0;
    cl_error_t rc;

    if ((rc = (cl_error_t) GPOINTER_TO_INT(g_once(&once, clam_global_init, NULL))) != CL_SUCCESS) {
        lw_error_set(err, "clamav: cl_init: %s", cl_strerror(rc));
        return NULL;
    }
    c = g_new0(struct lw_clam, 1);
    g_mutex_init(&c->stat_lock);
    set_options(&c->opts);
    c->max_image_pixels = (unsigned long long) cfg->clamav_max_image_pixels;
    c->max_message_pixels = (unsigned long long) cfg->clamav_max_message_pixels;
    if ((c->dirs = lw_clam_dirs(cfg, err)) == NULL || (c->engine = cl_engine_new()) == NULL) {
        if (c->dirs != NULL)
            lw_error_set(err, "clamav: cl_engine_new failed");
        lw_clam_free(c);
        return NULL;
    }
    local = g_checksum_new(G_CHECKSUM_SHA256);
    c->stats = g_new0(struct cl_stat, c->dirs->len ? c->dirs->len : 1);
    for (guint i = 0; i < c->dirs->len; i++) {
        const char *dir = g_ptr_array_index(c->dirs, i);

        /* stat first: a file changed while loading makes the new engine stale at once */
        cl_statinidir(dir, &c->stats[i]);
        if (load_dir(c, dir, local, &have_local, err) < 0)
            goto fail;
    }
    if (set_limits(c->engine, cfg, err) < 0)
        goto fail;
    cl_engine_set_clcb_virus_found(c->engine, on_virus);
    cl_engine_set_clcb_file_inspection(c->engine, on_file);
    if ((rc = cl_engine_compile(c->engine)) != CL_SUCCESS) {
        lw_error_set(err, "clamav: compiling signatures: %s", cl_strerror(rc));
        goto fail;
    }
    c->version = make_version(c, local, have_local);
    g_checksum_free(local);
    return c;
fail:
    g_checksum_free(local);
    lw_clam_free(c);
    return NULL;
}

void lw_clam_free(struct lw_clam *c)
{
    if (c == NULL)
        return;
    if (c->engine)
        cl_engine_free(c->engine);
    for (guint i = 0; c->stats && c->dirs && i < c->dirs->len; i++)
        if (c->stats[i].dir != NULL)
            cl_statfree(&c->stats[i]);
    g_free(c->stats);
    if (c->dirs)
        g_ptr_array_unref(c->dirs);
    g_free(c->version);
    g_mutex_clear(&c->stat_lock);
    g_free(c);
}

/* lw_clam_changed - did any file in a signature directory appear, vanish or change? */
int lw_clam_changed(struct lw_clam *c)
{
    int changed = 0;

    g_mutex_lock(&c->stat_lock);
    for (guint i = 0; i < c->dirs->len && !changed; i++)
        changed = cl_statchkdir(&c->stats[i]) == 1;
    g_mutex_unlock(&c->stat_lock);
    return changed;
}
