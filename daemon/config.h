/*
 * config.h - the daemon's settings: one declarative table of options that the
 * command line and the config file both go through (same names, same
 * bounds, same error messages).
 */
#ifndef BOLE_CONFIG_H
#define BOLE_CONFIG_H

#include <stddef.h>

#define BOLE_PATH_MAX 1024

typedef struct {
    char listen[BOLE_PATH_MAX];     /* ROUTER endpoint for requests. */
    char events[BOLE_PATH_MAX];     /* PUB endpoint for events. */
    char db[BOLE_PATH_MAX];         /* SQLite file. */
    char model_dir[BOLE_PATH_MAX];  /* Folder with bole.model, weights.conf ... */
    char log_level[16];             /* debug, info, warn, error. */
    char synchronous[16];           /* "full" (default) or "normal". */
    long max_message_size;          /* Bytes; bigger requests are dropped by ZeroMQ. */
    long max_bulk_items;            /* Items per bulk request. */
    long max_in_flight;             /* Requests queued or running, all clients. */
    long max_client_in_flight;      /* Requests queued or running, one connection. */
    long busy_bulk_rate;            /* Bulk-put profiles/s acknowledged while reads run; 0 = any. */
    char auth[BOLE_PATH_MAX];       /* Allow-list of client keys; set = CURVE on. */
    char server_key[BOLE_PATH_MAX]; /* Server secret key file ("" = next to the DB). */
    long insecure;                  /* 1: allow non-loopback binds without CURVE. */
    long index_nprobe;              /* IVF lists probed per search; 0 = calibrated. */
    long index_recall_target;       /* Calibration target, recall@200 in 1/1000. */
} bole_config_t;

/* Fills every option with its default. */
void bole_config_defaults(bole_config_t *config /* OUT */);

/*
 * Sets one option by its long name (without "--") from text. Returns 0, or -1
 * with a message in err; on failure the config is unchanged.
 */
int bole_config_set(bole_config_t *config, const char *name, const char *value,
                    char *err, size_t errlen);

/* 1 if the option is an on/off flag (given on the command line without a
 * value: "--insecure"). */
int bole_config_is_flag(const char *name);

/*
 * Reads "name = value" lines ("#" starts a comment) from a file. Returns 0,
 * or -1 with a message naming the file and line. Options already set stay
 * set unless the file names them.
 */
int bole_config_load_file(bole_config_t *config, const char *path, char *err,
                          size_t errlen);

/* Writes the option list with defaults and help, for --help. */
void bole_config_print_help(void *stream /* FILE* */);

#endif
