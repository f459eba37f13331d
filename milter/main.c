/*
 * lurewatch-milter - malicious-mail detection milter for Postfix and Sendmail
 *
 * SYNOPSIS
 *     lurewatch-milter [-c CONF] [-o key=value]... [-p SOCKET] [-u USER] [-f] [-t]
 *
 * DESCRIPTION
 *     Reads the configuration; as root, opens the milter socket (and the
 *     metrics_listen port) and creates quarantine_dir for USER (held
 *     messages are recorded there for lurewatch-report); drops privileges
 *     to USER for good; then reads the configuration again and builds the
 *     scanning engine (rules, signatures, indicators) as USER, the rights
 *     every reload will have, so a file only root can read fails here and
 *     not at the first reload; and serves the MTA. Every message is scanned at end of data and
 *     accepted, tagged, held or rejected by score (see milter/actions.c).
 *
 *     -c CONF    configuration file (default SYSCONFDIR/lurewatch/lurewatch.conf
 *                when it exists; built-in defaults otherwise)
 *     -o K=V     override one configuration key (repeatable)
 *     -p SOCKET  unix:/path, inet:PORT@HOST or inet6:PORT@HOST (milter_socket)
 *     -u USER    user to run as after binding the socket (user)
 *     -f         stay in the foreground and log to standard error
 *     -t         check the configuration and the engine, built as USER
 *                (what the daemon would warn about, such as a malformed
 *                feed or a bad feed line with its file and line, is a
 *                warning), the socket
 *                specification, the user, and that every directory the
 *                milter writes (quarantine_dir, spool_dir with Redis,
 *                clamav_tmpdir) is writable by USER, creating missing
 *                ones as the daemon would; then exit
 *
 *     The daemon, like -t, refuses a "score.RULE" for a rule that neither
 *     the rules file nor an analyzer defines (exit 78 at start; a reload
 *     with one keeps the running engine and logs why).
 *
 * SIGNALS
 *     SIGHUP and SIGUSR1 reload configuration and engine without dropping a
 *     message (scans in flight finish on the old engine); a reload that
 *     fails keeps the running engine. So does a change on disk
 *     of signatures or feeds, checked every reload_check_interval seconds
 *     (after a failed automatic reload the interval doubles, up to an hour,
 *     until a reload succeeds).
 *     SIGUSR2 logs the counters (also logged at exit): "stats: messages=N
 *     ... quarantine_unrecorded=N load_problems=N rule_limits=N tempfail=N
 *     unscanned=N scan_waits=N scan_wait_timeouts=N"; metrics_listen serves
 *     the same as Prometheus metrics (rule_limits: messages on which a rule
 *     hit a PCRE2 limit; scan_waits: messages that waited for their turn
 *     under scan_concurrency), "cache:
 *     hits=N ... errors=N ..." and "hits: queued=N ... spool_errors=N".
 *     SIGTERM stops; SIGINT aborts.
 *
 *     libmilter's own signal thread would take SIGHUP as "stop". So
 *     smfi_main runs in a thread of its own and the main thread keeps
 *     SIGHUP unblocked with a handler: Linux delivers a signal sent to the
 *     process to its main thread whenever that thread does not block it,
 *     so libmilter never sees SIGHUP.
 *
 * EXIT STATUS
 *     0 after a clean stop (and for --version); 64 (EX_USAGE) for a bad
 *     command line; 78 (EX_CONFIG) for a bad configuration, with
 *     the file, line and reason on standard error; 71 (EX_OSERR) when the
 *     socket cannot be opened or privileges cannot be dropped.
 */
#define _GNU_SOURCE 1  /* pthread_attr_setsigmask_np */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "cache/cache.h"
#include "callbacks.h"
#include "engine_slot.h"
#include "cache/hits.h"
#include "util/log.h"
#include "util/options.h"
#include "metrics.h"
#include "gate.h"
#include "msgbuf.h"
#include "preflight.h"
#include "stats.h"


struct options {
    char *config;
    char **overrides;
    char *socket;
    char *user;
    gboolean foreground;
    gboolean test_only;
};

/*
 * Message buffers kept warm between messages (msgbuf.c): enough for the
 * messages of a few busy connections; a buffer for a message larger than
 * KEEP_BUFFER_MAX (rare) is freed with its message.
 */
#define KEEP_BUFFERS_TOTAL (32u << 20)
#define KEEP_BUFFER_MAX (8u << 20)

static volatile int stopping;
static volatile sig_atomic_t hangup;  /* set by the SIGHUP handler */

/* block_signals - before any thread exists, so every thread inherits the mask */
static void block_signals(sigset_t *ours)
{
    sigset_t all;

    sigemptyset(&all);
    sigaddset(&all, SIGHUP);
    sigaddset(&all, SIGTERM);
    sigaddset(&all, SIGINT);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(ours);
    sigaddset(ours, SIGUSR1);
    sigaddset(ours, SIGUSR2);
}

struct signal_args {
    sigset_t set;
    long long check_interval;       /* seconds between stale checks; 0 = never */
    struct lw_hits *hits;           /* NULL: no hits stream */
};

/*
 * log_counters - the milter's counters, the current engine's cache (a
 * reload starts a new cache, and its counters, afresh) and the hits
 * stream: three lines "stats: ...", "cache: ...", "hits: ...".
 */
static void log_counters(struct lw_hits *hits)
{
    struct lw_engine *e = lw_slot_get();
    struct lw_cache *cache = e ? lw_engine_cache(e) : NULL;
    char *line;

    lw_stats_log();
    if (cache != NULL) {
        struct lw_cache_stats cs;

        lw_cache_get_stats(cache, &cs);
        line = lw_cache_stats_format(&cs);
        lw_log_info("cache: %s", line);
        g_free(line);
    }
    if (hits != NULL) {
        struct lw_hits_stats hs;

        lw_hits_get_stats(hits, &hs);
        line = lw_hits_stats_format(&hs);
        lw_log_info("hits: %s", line);
        g_free(line);
    }
    if (e)
        lw_engine_unref(e);
}

#define MAX_CHECK_BACKOFF 3600     /* seconds */

/* reload - build and swap in a new engine; 0 when it is in service */
static int reload(const char *why)
{
    int rc;

    lw_log_info("reload: %s", why);
    rc = lw_slot_reload();
    lw_stat_inc(rc == 0 ? LW_STAT_RELOADS : LW_STAT_RELOAD_FAILURES);
    return rc;
}

/* note_hangup - SIGHUP handler: only a flag, the main thread reloads */
static void note_hangup(int sig)
{
    (void) sig;
    hangup = 1;
}

/*
 * catch_hangup - SIGHUP to this (the main) thread's handler. Called
 * before any thread that runs libmilter exists.
 */
static void catch_hangup(void)
{
    struct sigaction sa;
    sigset_t hup;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = note_hangup;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    pthread_sigmask(SIG_UNBLOCK, &hup, NULL);
}

/*
 * watch_signals - in the main thread until libmilter stops: reload on
 * SIGHUP, SIGUSR1 or when signatures/feeds changed on disk (checked every
 * reload_check_interval seconds), counters on SIGUSR2. libmilter's own
 * thread owns SIGTERM and SIGINT.
 */
static void watch_signals(const struct signal_args *a)
{
    struct timespec tick = { 1, 0 };
    long long wait = a->check_interval;
    gint64 next_check = g_get_monotonic_time() + wait * G_USEC_PER_SEC;

    while (!stopping) {
        int sig = sigtimedwait(&a->set, NULL, &tick);

        if (hangup) {
            hangup = 0;
            if (reload("SIGHUP") == 0)
                wait = a->check_interval;
        } else if (sig == SIGUSR1) {
            if (reload("SIGUSR1") == 0)
                wait = a->check_interval;
        } else if (sig == SIGUSR2) {
            log_counters(a->hits);
        } else if (a->check_interval > 0 && g_get_monotonic_time() >= next_check) {
            /* A broken file stays "changed" until fixed: back off, do not warn every tick. */
            if (lw_slot_stale())
                wait = reload("signatures or feeds changed on disk") == 0
                    ? a->check_interval : MIN(wait * 2, MAX_CHECK_BACKOFF);
            next_check = g_get_monotonic_time() + wait * G_USEC_PER_SEC;
        }
    }
}

/* milter_thread - run libmilter; its return value in *arg */
static void *milter_thread(void *arg)
{
    int *rc = arg;

    *rc = smfi_main();
    stopping = 1;
    return NULL;
}

/*
 * start_milter - smfi_main in a thread that blocks every signal we handle
 * from its first instruction (libmilter's signal thread inherits that), so
 * a SIGHUP can only ever reach the main thread's handler.
 */
static int start_milter(pthread_t *tid, int *rc)
{
    pthread_attr_t attr;
    sigset_t ours;
    int err;

    pthread_sigmask(SIG_BLOCK, NULL, &ours);    /* all but SIGHUP, by now */
    sigaddset(&ours, SIGHUP);
    pthread_attr_init(&attr);
    pthread_attr_setsigmask_np(&attr, &ours);
    err = pthread_create(tid, &attr, milter_thread, rc);
    pthread_attr_destroy(&attr);
    if (err != 0)
        lw_log_err("cannot start the milter thread: %s", strerror(err));
    return err == 0 ? 0 : -1;
}

static int parse_options(int *argc, char ***argv, struct options *opt)
{
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt->config, "configuration file", "CONF" },
        { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &opt->overrides, "override one key", "KEY=VALUE" },
        { "socket", 'p', 0, G_OPTION_ARG_STRING, &opt->socket, "milter socket", "SOCKET" },
        { "user", 'u', 0, G_OPTION_ARG_STRING, &opt->user, "run as USER after binding", "USER" },
        { "foreground", 'f', 0, G_OPTION_ARG_NONE, &opt->foreground, "foreground, log to stderr", NULL },
        { "test", 't', 0, G_OPTION_ARG_NONE, &opt->test_only, "check configuration and exit", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    if (lw_options_parse("lurewatch-milter", "- malicious-mail detection milter", NULL,
                         entries, argc, argv) < 0)
        return -1;
    if (*argc > 1) {
        fprintf(stderr, "lurewatch-milter: unexpected argument \"%s\"\n", (*argv)[1]);
        return -1;
    }
    return 0;
}

/* daemon_user - USER's entry, or NULL for none (stay as we are) or unknown */
static struct passwd *daemon_user(const char *user)
{
    return user && *user ? getpwnam(user) : NULL;
}

/* open_socket - bind the milter socket (removing a stale one) and set its mode/owner */
static int open_socket(const char *spec, const struct lw_config *cfg, const char *user)
{
    const char *path = lw_socket_unix_path(spec);

    if (smfi_setconn((char *) spec) == MI_FAILURE || smfi_register(lw_milter_desc) == MI_FAILURE) {
        lw_log_err("cannot use milter socket %s", spec);
        return -1;
    }
    if (smfi_opensocket(true) == MI_FAILURE) {
        lw_log_err("cannot open milter socket %s", spec);
        return -1;
    }
    if (path != NULL) {
        struct passwd *pw = daemon_user(user);

        if (chmod(path, (mode_t) cfg->socket_mode) < 0)
            lw_log_warn("chmod %s: %s", path, strerror(errno));
        if (pw && chown(path, pw->pw_uid, pw->pw_gid) < 0)
            lw_log_warn("chown %s: %s", path, strerror(errno));
    }
    return 0;
}

/*
 * prepare_dirs - QUARANTINE_DIR, its subdirectories (the spool store's:
 * records/, and the ones the root-run lurewatch-report would otherwise make
 * root's, which lurewatch-review -u, serving as the same user, must write)
 * and, with Redis, the hits spool, owned by USER, made while still root:
 * after the drop the milter could not create them under /var/spool. -1 and
 * err at the first failure.
 */
static int prepare_dirs(const struct lw_config *cfg, const struct passwd *pw, struct lw_error *err)
{
    static const char *const subdirs[] = { "records", "reported", "state", "false-positives" };
    int rc = lw_dir_prepare(cfg->quarantine_dir, 0750, pw, err);

    for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(subdirs); i++) {
        char *sub = g_build_filename(cfg->quarantine_dir, subdirs[i], NULL);

        rc = lw_dir_prepare(sub, 0750, pw, err);
        g_free(sub);
    }
    if (rc == 0 && lw_hits_configured(cfg))
        rc = lw_dir_prepare(cfg->spool_dir, 0750, pw, err);
    return rc;
}

/*
 * check_system - for -t: what the daemon would meet. The socket
 * specification, the user, and every directory it writes made as the
 * daemon makes them and proved writable by the user it runs as.
 */
static int check_system(const struct lw_config *cfg, const char *spec, const char *user,
                        struct lw_error *err)
{
    struct passwd *pw = daemon_user(user);
    const char *path = lw_socket_unix_path(spec);
    char *sockdir = path ? g_path_get_dirname(path) : NULL;
    char *records = g_build_filename(cfg->quarantine_dir, "records", NULL);
    const char *writes[] = { records, lw_hits_configured(cfg) ? cfg->spool_dir : "", cfg->clamav_tmpdir };
    int rc = 0;

    if (lw_socket_spec_check(spec, err) < 0
        || (*cfg->metrics_listen && lw_metrics_listen_check(cfg->metrics_listen, err) < 0))
        rc = -1;
    else if (user && *user && pw == NULL)
        rc = lw_error_set(err, "user \"%s\" does not exist", user);
    else if (sockdir && lw_dir_writable_as(sockdir, NULL, err) < 0)
        rc = -1;        /* the socket is bound before privileges are dropped */
    else if (prepare_dirs(cfg, geteuid() == 0 ? pw : NULL, err) < 0)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(writes); i++)
        if (*writes[i] != '\0')
            rc = lw_dir_writable_as(writes[i], pw, err);
    g_free(records);
    g_free(sockdir);
    return rc;
}

/*
 * load_config - the configuration, or NULL after saying why on standard
 * error. The first load also opens the log and reports the file's warnings.
 */
static struct lw_config *load_config(const struct options *opt, int first)
{
    struct lw_error err;
    struct lw_config *cfg = lw_slot_config(opt->config, opt->overrides, &err);

    if (cfg == NULL) {
        fprintf(stderr, "lurewatch-milter: %s\n", err.text);
        return NULL;
    }
    if (!first)
        return cfg;
    /* -t says what it found on standard error, whatever the daemon logs to */
    lw_log_open("lurewatch-milter", !opt->foreground && !opt->test_only && strcmp(cfg->log_target, "syslog") == 0,
                (enum lw_log_level) cfg->log_level, cfg->log_facility, (enum lw_log_format) cfg->log_format);
    for (guint i = 0; i < cfg->warnings->len; i++)
        lw_log_warn("%s", (char *) g_ptr_array_index(cfg->warnings, i));
    return cfg;
}

/*
 * load_engine - the first engine, built as the user the milter runs as
 * (privileges are already dropped): the configuration read again and
 * every file an analyzer loads are read with the rights a reload will
 * have, so a file only root can read fails here, with its reason, not at
 * the first reload. NULL after saying why on standard error.
 */
static struct lw_engine *load_engine(const struct options *opt)
{
    struct lw_config *cfg = load_config(opt, 0);
    struct lw_error err;
    struct lw_engine *e;

    if (cfg == NULL)
        return NULL;
    if ((e = lw_engine_new(cfg, &err)) == NULL)
        fprintf(stderr, "lurewatch-milter: %s\n", err.text);
    return e;
}

/* become_daemon - detach unless -f */
static int become_daemon(const struct options *opt)
{
    if (opt->foreground || daemon(0, 0) == 0)
        return 0;
    lw_log_err("cannot become a daemon: %s", strerror(errno));
    return -1;
}

/*
 * engine_check - -t: build the engine as the daemon will, as USER: in a
 * child process that drops privileges, so that the parent keeps root for
 * the system checks. In this process when not root or USER is unknown
 * (check_system says so). 0, or -1 after the reason on standard error.
 */
static int engine_check(const struct options *opt, const char *user)
{
    struct lw_engine *e = NULL;
    struct lw_error err;
    int status = 1;
    pid_t pid;

    if (geteuid() != 0 || daemon_user(user) == NULL) {
        if ((e = load_engine(opt)) == NULL)
            return -1;
        lw_slot_log_problems(e);    /* what the daemon would warn about: a malformed feed, a bad feed line */
        lw_engine_unref(e);
        return 0;
    }
    fflush(NULL);
    if ((pid = fork()) < 0) {
        fprintf(stderr, "lurewatch-milter: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (lw_drop_privileges(user, &err) < 0)
            fprintf(stderr, "lurewatch-milter: %s\n", err.text);
        else if ((e = load_engine(opt)) != NULL) {
            lw_slot_log_problems(e);
            status = 0;
        }
        fflush(NULL);
        _exit(status);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * check_only - -t: the engine built as the user the daemon runs as, then
 * what the daemon would meet (as root, as it starts). 0 or EX_CONFIG.
 */
static int check_only(const struct options *opt, const struct lw_config *cfg, const char *spec,
                      const char *user)
{
    struct lw_error err;

    if (engine_check(opt, user) < 0)
        return EX_CONFIG;
    if (check_system(cfg, spec, user, &err) < 0) {
        fprintf(stderr, "lurewatch-milter: %s\n", err.text);
        return EX_CONFIG;
    }
    printf("lurewatch-milter: configuration OK\n");
    return 0;
}

/*
 * bind_all - as root: the milter socket, the metrics endpoint (when
 * configured; *metrics_fd, else -1) and the directories USER writes.
 * EX_CONFIG for a bad specification (nothing bound), EX_OSERR when
 * binding failed, else 0.
 */
static int bind_all(const struct lw_config *cfg, const char *spec, const char *user, int *metrics_fd)
{
    struct lw_error err;

    *metrics_fd = -1;
    if (lw_socket_spec_check(spec, &err) < 0
        || (*cfg->metrics_listen && lw_metrics_listen_check(cfg->metrics_listen, &err) < 0)) {
        fprintf(stderr, "lurewatch-milter: %s\n", err.text);
        return EX_CONFIG;
    }
    if (*cfg->metrics_listen && (*metrics_fd = lw_metrics_bind(cfg->metrics_listen, &err)) < 0) {
        lw_log_err("%s", err.text);
        return EX_OSERR;
    }
    if (open_socket(spec, cfg, user) < 0) {
        if (*metrics_fd >= 0)
            close(*metrics_fd);
        return EX_OSERR;
    }
    /* A failure is only logged: held mail is then held but not recorded. */
    if (geteuid() == 0 && prepare_dirs(cfg, daemon_user(user), &err) < 0)
        lw_log_warn("%s", err.text);
    return 0;
}

/* scan_gate - the gate of scan_concurrency (gate.c): NULL for no limit */
static struct lw_gate *scan_gate(const struct lw_config *cfg)
{
    long long n = cfg->scan_concurrency;

    if (n < 0)
        n = MAX(g_get_num_processors(), 1);
    return n > 0 ? lw_gate_new((unsigned) n) : NULL;
}

/* run - serve with engine until libmilter stops; the exit status */
static int run(const struct options *opt, struct signal_args *sig_args, struct lw_engine *engine,
               const char *spec, int metrics_fd)
{
    const struct lw_config *cfg = lw_engine_config(engine);
    struct lw_hits *hits = NULL;
    struct lw_metrics *metrics = NULL;
    struct lw_error err;
    pthread_t milter_tid;
    int rc = MI_FAILURE;

    /* after dropping privileges: the spool must belong to the running user */
    if (lw_hits_configured(cfg) && (hits = lw_hits_new(cfg, &err)) == NULL) {
        lw_log_err("hits stream: %s", err.text);
        lw_engine_unref(engine);
        return EX_CONFIG;
    }
    lw_callbacks_set_hits(hits);
    /* not freed either: connections still finishing give their buffers back */
    lw_callbacks_set_buffers(lw_msgbuf_pool_new(KEEP_BUFFERS_TOTAL, KEEP_BUFFER_MAX));
    /* nor this: they leave it */
    lw_callbacks_set_gate(scan_gate(cfg));
    sig_args->hits = hits;
    sig_args->check_interval = cfg->reload_check_interval;
    lw_slot_init(engine, opt->config, opt->overrides);
    /* before catch_hangup: its thread inherits a mask that blocks every signal we handle */
    if (metrics_fd >= 0 && (metrics = lw_metrics_start(metrics_fd, hits, &err)) == NULL)
        lw_log_err("%s", err.text);
    catch_hangup();
    if (metrics_fd < 0 || metrics != NULL) {
        if (start_milter(&milter_tid, &rc) == 0) {
            lw_log_info("started: socket %s, config %s, version %s", spec,
                        cfg->path ? cfg->path : "built-in defaults", PACKAGE_VERSION);
            watch_signals(sig_args);
            pthread_join(milter_tid, NULL);
        }
    }
    lw_metrics_stop(metrics);
    /* drained into Redis or the spool; not freed: connections still
     * finishing may publish late */
    lw_hits_stop(hits);
    log_counters(hits);
    lw_log_info("stopped");
    /* Connections may still be finishing (smfi_stop does not wait): they
     * hold their own engine references, so only ours is dropped. */
    lw_slot_shutdown();
    return rc == MI_SUCCESS ? 0 : EX_OSERR;
}

/*
 * serve - read the configuration, bind (as root), drop privileges, build
 * the engine as the user the milter runs as, then run; the exit status
 */
static int serve(const struct options *opt, struct signal_args *sig_args)
{
    struct lw_config *cfg;
    struct lw_engine *engine;
    const char *spec, *user;
    struct lw_error err;
    int rc, metrics_fd;

    if ((cfg = load_config(opt, 1)) == NULL)
        return EX_CONFIG;
    spec = opt->socket ? opt->socket : cfg->milter_socket;
    user = opt->user ? opt->user : cfg->user;
    if (opt->test_only) {
        rc = check_only(opt, cfg, spec, user);
        lw_config_free(cfg);
        return rc;
    }
    if ((rc = bind_all(cfg, spec, user, &metrics_fd)) != 0) {
        lw_config_free(cfg);
        return rc;
    }
    if (lw_drop_privileges(user, &err) < 0) {
        lw_log_err("%s", err.text);
        rc = EX_OSERR;
    } else if ((engine = load_engine(opt)) == NULL) {
        rc = EX_CONFIG;
    } else if (become_daemon(opt) < 0) {
        lw_engine_unref(engine);
        rc = EX_OSERR;
    } else {
        rc = run(opt, sig_args, engine, spec, metrics_fd);
        metrics_fd = -1;        /* the metrics server took it */
    }
    if (metrics_fd >= 0)
        close(metrics_fd);
    if (lw_socket_unix_path(spec) != NULL)
        unlink(lw_socket_unix_path(spec));
    lw_config_free(cfg);
    return rc;
}

/* options_free - what g_option_context_parse() allocated */
static void options_free(struct options *opt)
{
    g_free(opt->config);
    g_strfreev(opt->overrides);
    g_free(opt->socket);
    g_free(opt->user);
}

/*
 * malloc_arenas - before any thread: one malloc arena per CPU, not
 * glibc's eight. libmilter runs each connection on a new thread, and a
 * message's memory lives only as long as the message; with few arenas
 * the next message reuses the pages the last one freed, with many they
 * are spread over arenas and each new thread starts cold, a page fault
 * per 4 KB it writes. Measured in contrib/bench/run -q on 2 CPUs: 6,100
 * page faults with glibc's default, 4,700 with 2 arenas, and about 0.2
 * filter CPU-s per 1,000 mails less. No more threads than CPUs run at
 * once, so an arena is seldom contended.
 */
static void malloc_arenas(void)
{
#ifdef M_ARENA_MAX
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    mallopt(M_ARENA_MAX, (int) CLAMP(cpus, 1, 64));
#endif
}

int main(int argc, char **argv)
{
    struct options opt = { 0 };
    struct signal_args sig_args;
    int rc = EX_USAGE;

    malloc_arenas();
    block_signals(&sig_args.set);
    if (parse_options(&argc, &argv, &opt) == 0) {
        lw_gmime_init();
        rc = serve(&opt, &sig_args);
    }
    options_free(&opt);
    return rc;
}
