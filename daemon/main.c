/*
 * main.c - boled: flags -> config -> store -> models -> server -> cleanup.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>
#include <zmq.h>

#include "config.h"
#include "daemon.h"
#include "feedback.h"
#include "handlers.h"
#include "live.h"
#include "log.h"
#include "model.h"
#include "protocol.h"
#include "server.h"
#include "state.h"
#include "store.h"
#include "trend.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: boled [options]\n"
            "\n"
            "Bole talent-matching daemon. Answers bole.Request messages on a ZeroMQ\n"
            "ROUTER socket and publishes bole.Event messages on a PUB socket.\n"
            "\n"
            "Options (a config file takes the same names: 'name = value'):\n");
    bole_config_print_help(out);
    fprintf(out,
            "  --config FILE        read options from FILE (flags after it override it)\n"
            "  --help               show this help\n"
            "  --version            show version and build information\n"
            "\n"
            "Signals: SIGTERM/SIGINT drain and exit, SIGHUP reloads model files.\n");
}

static void s_version(void)
{
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("boled %s\n", BOLE_VERSION);
    printf("faiss: %s\n", BOLE_FAISS_BUILDINFO);
    printf("zeromq: %d.%d.%d\n", major, minor, patch);
    printf("sqlite: %s\n", sqlite3_libversion());
    printf("protocol: bole api_version 1\n");
}

static void s_on_terminate(int sig)
{
    (void)sig;
    bole_server_request_shutdown();
}

static void s_on_hangup(int sig)
{
    (void)sig;
    bole_server_request_reload();
}

static void s_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = s_on_terminate;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = s_on_hangup;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

/* Parses argv into config. Returns -1 to exit 0 (help/version), 0 to run,
 * 2 on a usage error. --config is read where it appears, so later flags
 * override the file. */
static int s_parse_args(int argc, char **argv, bole_config_t *config)
{
    char err[1024];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            s_usage(stdout);
            return -1;
        }
        if (strcmp(arg, "--version") == 0) {
            s_version();
            return -1;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "boled: unexpected argument '%s' (see --help)\n", arg);
            return 2;
        }
        const char *name = arg + 2, *value = NULL;
        char namebuf[64];
        const char *eq = strchr(name, '=');
        if (eq) {
            snprintf(namebuf, sizeof namebuf, "%.*s", (int)(eq - name), name);
            name = namebuf;
            value = eq + 1;
        } else if (bole_config_is_flag(name)) {
            value = "1";
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            fprintf(stderr, "boled: option '%s' needs a value\n", arg);
            return 2;
        }
        int rc = strcmp(name, "config") == 0
                     ? bole_config_load_file(config, value, err, sizeof err)
                     : bole_config_set(config, name, value, err, sizeof err);
        if (rc != 0) {
            fprintf(stderr, "boled: %s\n", err);
            return 2;
        }
    }
    return 0;
}

/* Creates the database's folder if it is missing (e.g. ./var on first run). */
static void s_ensure_parent_dir(const char *path)
{
    char dir[BOLE_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return;
    *slash = '\0';
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        log_warn("cannot create %s: %s", dir, strerror(errno));
}

/* A large store's upgrade runs before anything is served: say so. */
static void s_log_migration(void *ctx, int from, int to)
{
    (void)ctx;
    log_info("store: upgrading the schema from version %d to %d before serving (minutes on a "
             "large store; docs/OPERATIONS.md, Upgrade)", from, to);
}

int main(int argc, char **argv)
{
    bole_daemon_t daemon;
    memset(&daemon, 0, sizeof daemon);
    bole_config_defaults(&daemon.config);
    int rc = s_parse_args(argc, argv, &daemon.config);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    bole_log_parse_level(daemon.config.log_level, &bole_log_threshold);
    daemon.started_ms = bole_now_ms();
    pthread_mutex_init(&daemon.models_lock, NULL);
    s_install_signals();

    char err[1024];
    int status = 1;
    bole_server_t *server = NULL;

    daemon.stats = bole_stats_new(BOLE_METHOD_SLOTS);
    if (!daemon.stats) {
        log_error("out of memory");
        goto done;
    }
    s_ensure_parent_dir(daemon.config.db);
    bole_store_options_t store_options = {
        .synchronous_full = strcmp(daemon.config.synchronous, "full") == 0,
        .on_migrate = s_log_migration,
    };
    if (bole_store_open(&daemon.store, daemon.config.db, &store_options, err, sizeof err) !=
        BOLE_OK) {
        log_error("%s", err);
        goto done;
    }
    log_info("store %s open (schema version %d, synchronous=%s)", daemon.config.db,
             bole_store_schema_version(daemon.store), daemon.config.synchronous);
    if (bole_daemon_load_models(&daemon, err, sizeof err) != BOLE_OK) {
        log_error("%s", err);
        goto done;
    }
    log_info("model %s (dimension %d)", bole_model_version(daemon.models->model),
             bole_model_dim(daemon.models->model));

    /* Trends load on their own thread while the catalog loads (2 cores). */
    bole_trend_load_start(&daemon);
    if (bole_state_open(&daemon, err, sizeof err) != BOLE_OK) {
        log_error("%s", err);
        goto done;
    }
    if (bole_trend_open(&daemon, err, sizeof err) != BOLE_OK) {
        log_error("%s", err);
        goto done;
    }
    if (bole_state_start_maintenance(&daemon) != 0) {
        log_error("cannot start the index maintenance thread");
        goto done;
    }
    if (bole_feedback_logger_start(&daemon, err, sizeof err) != 0) {
        log_error("%s", err);
        goto done;
    }
    server = bole_server_new(&daemon, err, sizeof err);
    if (!server) {
        log_error("%s", err);
        goto done;
    }
    if (bole_live_start(&daemon, err, sizeof err) != 0) {
        log_error("%s", err);
        goto done;
    }
    log_info("boled %s ready (faiss: %s)", BOLE_VERSION, BOLE_FAISS_BUILDINFO);
    status = bole_server_run(server) == 0 ? 0 : 1;

done:
    bole_live_stop(&daemon); /* Publishes through the server: stop it first. */
    bole_trend_stop(&daemon); /* Its thread publishes too; the hook keeps recording. */
    bole_server_destroy(&server);
    /* After the server: its reader threads may still queue served pairs. */
    bole_feedback_logger_stop(&daemon);
    bole_state_stop_maintenance(&daemon);
    if (status == 0 && daemon.talent_index && daemon.need_index) {
        uint64_t seq = bole_store_last_seq(daemon.store);
        if (bole_state_snapshot(&daemon, seq, err, sizeof err) == BOLE_OK)
            log_info("index snapshots written at seq %llu", (unsigned long long)seq);
        else
            log_warn("no snapshot at shutdown (the next start rebuilds): %s", err);
    }
    if (daemon.trend && bole_trend_save(&daemon, err, sizeof err) != BOLE_OK)
        log_warn("trend: no snapshot at shutdown (the next start reads more rows): %s", err);
    bole_trend_load_abandon(&daemon);
    bole_trend_close(&daemon); /* After the server: no write can still note a change. */
    bole_state_close(&daemon);
    bole_store_close(&daemon.store);
    bole_models_release(&daemon, &daemon.models);
    if (bole_referral_cleanup != NULL)
        bole_referral_cleanup();
    pthread_mutex_destroy(&daemon.models_lock);
    bole_stats_destroy(&daemon.stats);
    log_info("boled stopped (exit status %d)", status);
    return status;
}
