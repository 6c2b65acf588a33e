/* kit.h — helpers shared by bole-eval and bole-bench: the O*NET tables the
 * two tools draw profiles from, a seeded random generator, and starting and
 * stopping a real boled as a child process.
 *
 * Not part of the daemon and not a public header: tools/eval and tools/bench
 * both compile kit.c. Allocation failures abort (these are tools, not the
 * daemon): kit_xmalloc() prints and exits.
 */
#ifndef BOLE_TOOLS_KIT_H
#define BOLE_TOOLS_KIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- memory ------------------------------------------------------------ */
void *kit_xmalloc(size_t n);
void *kit_xcalloc(size_t n, size_t size);
void *kit_xrealloc(void *p, size_t n);
char *kit_xstrdup(const char *s);

/* ---- random: splitmix64, deterministic from a seed ---------------------- */
typedef struct { uint64_t s; } kit_rng_t;
uint64_t kit_rng_next(kit_rng_t *r);
/* Uniform in [0, n); n > 0. */
size_t kit_rng_below(kit_rng_t *r, size_t n);
/* Uniform in [0, 1). */
double kit_rng_unit(kit_rng_t *r);
/* Shuffle n size_t values in place. */
void kit_rng_shuffle(kit_rng_t *r, size_t *v, size_t n);

/* ---- time --------------------------------------------------------------- */
double kit_now_s(void);          /* CLOCK_MONOTONIC seconds. */
int64_t kit_wall_ms(void);       /* Unix milliseconds. */

/* ---- O*NET -------------------------------------------------------------- */
typedef struct {
    char *name;   /* Technology name as O*NET writes it. */
    int hot;      /* 1 if O*NET flags it a Hot Technology. */
} kit_tech_t;

typedef struct {
    char code[16];        /* O*NET-SOC code, e.g. "15-1252.00". */
    char *title;          /* Occupation title. */
    kit_tech_t *tech;     /* Technology skills. */
    size_t n_tech;
    char **heldout;       /* Held-out alternate titles (never trained on). */
    size_t n_heldout;
    char **alt;           /* All alternate titles (bench only). */
    size_t n_alt;
    size_t *related;      /* Indexes of O*NET related occupations (both ways). */
    size_t n_related;
    int job_zone;         /* 1-5, 0 if unknown. */
} kit_occ_t;

typedef struct {
    kit_occ_t *occ;       /* Sorted by code. */
    size_t n;
} kit_onet_t;

/* Load the tables under dir (models/src/onet) and the held-out titles file.
 * Related_Occupations.txt and Job_Zones.txt are optional (a warning is
 * printed). Returns 0, or -1 with a message on stderr. */
int kit_onet_load(kit_onet_t *o, const char *dir, const char *heldout_path);
void kit_onet_free(kit_onet_t *o);
/* Index of code, or (size_t)-1. */
size_t kit_onet_find(const kit_onet_t *o, const char *code);
/* Experience range in years for a job zone (min, max). */
void kit_job_zone_years(int job_zone, float *min_years, float *max_years);
/* Education level (bole.Education) typical for a job zone. */
int kit_job_zone_education(int job_zone);

/* ---- daemon ------------------------------------------------------------- */
typedef struct {
    pid_t pid;             /* Child pid, 0 if not running. */
    char endpoint[64];     /* Request endpoint, tcp://127.0.0.1:PORT. */
    char events[64];       /* Event endpoint. */
    char db[4096];          /* Database path. */
    char model_dir[4096];   /* --model. */
    char log_path[4096];    /* Daemon stderr goes here. */
    char boled[4096];       /* Binary. */
    const char *synchronous; /* "full" or "normal". */
} kit_daemon_t;

/* A free loopback TCP port (bind to port 0, read it back, close). */
int kit_free_port(void);
/* Find boled: explicit path if given, else the compiled-in build path,
 * else next to /proc/self/exe (../../daemon/boled). Writes into out. */
int kit_find_boled(const char *given, const char *compiled, char *out, size_t len);
/* Start the daemon described by d (fills endpoint/events with free ports)
 * and wait until health answers OK, at most timeout_s. On success returns
 * 0 and *ready_s (may be NULL) = seconds from fork to the first OK health. */
int kit_daemon_start(kit_daemon_t *d, double timeout_s, double *ready_s);
/* SIGTERM, wait up to 60 s (then SIGKILL). Returns the exit status or -1. */
int kit_daemon_stop(kit_daemon_t *d);
/* Make a temporary directory (mkdtemp of /tmp/<prefix>XXXXXX). */
int kit_tmpdir(const char *prefix, char *out, size_t len);
/* rm -rf of a temp dir made by kit_tmpdir (only direct files and one level). */
void kit_rmtree(const char *dir);

#endif
