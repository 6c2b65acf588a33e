/* harness.h — run a real boled for an integration test.
 *
 * harness_start() makes a temporary directory (mkdtemp under $TMPDIR or
 * /tmp), picks free loopback TCP ports for requests and events, starts
 * BOLED_PATH with the DB in that directory and the shipped model
 * (BOLE_SOURCE_DIR/models), sends its stdout and stderr to <dir>/boled.log
 * and waits until Health answers OK. Every started daemon is also registered
 * for an atexit() clean-up: if the test ends early (REQUIRE, exit) the daemon
 * is killed, its log tail is printed when a check failed, and the directory is
 * removed (set BOLE_TEST_KEEP=1 to keep it).
 *
 * Environment: BOLE_TEST_LOG_LEVEL (default "info") is passed to --log-level.
 *
 * Not thread-safe: drive one harness from the test's main thread (clients
 * made from it may be used by other threads, one client per thread).
 */
#ifndef BOLE_TESTS_HARNESS_H
#define BOLE_TESTS_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#include "bole/client.h"

typedef struct harness harness_t;

/* Start boled with the default flags plus `extra_args` (NULL-terminated list
 * appended to argv, or NULL). Returns the harness, or NULL after printing why
 * (and the daemon's log) if the daemon did not answer Health within 10 s. */
harness_t *harness_start(const char *const *extra_args);

/* Send SIGTERM and wait (up to `timeout_ms`) for the daemon to exit.
 * Returns its exit status (0..255), 128 + signal if a signal killed it, or -1
 * if it did not exit in time (it is then killed with SIGKILL) or was not
 * running. */
int harness_stop(harness_t *h, int timeout_ms);

/* SIGKILL the daemon and reap it. Returns 0, or -1 if it was not running. */
int harness_kill(harness_t *h);

/* Start the daemon again on the same DB and directory, on new free ports
 * (same extra arguments). Returns 0 once Health answers, -1 otherwise.
 * The daemon must not be running. */
int harness_restart(harness_t *h);

/* Request endpoint, e.g. "tcp://127.0.0.1:40123". Owned by the harness;
 * changes on restart. */
const char *harness_endpoint(const harness_t *h);

/* Event (PUB) endpoint. Owned by the harness; changes on restart. */
const char *harness_events_endpoint(const harness_t *h);

/* The temporary directory, the DB path and the log path. Owned by the harness. */
const char *harness_dir(const harness_t *h);
const char *harness_db_path(const harness_t *h);
const char *harness_log_path(const harness_t *h);

/* The daemon's pid, or -1 when it is not running. */
pid_t harness_pid(const harness_t *h);

/* A new client for the daemon with `timeout_ms` (<= 0: 5000). Owned by the
 * caller (bole_client_destroy()). NULL on failure. */
bole_client_t *harness_client(const harness_t *h, int timeout_ms);

/* Print the last `lines` lines of the daemon log to stderr. */
void harness_dump_log(const harness_t *h, int lines);

/* Kill the daemon if it still runs, print the log tail if any check failed,
 * remove the directory (unless BOLE_TEST_KEEP=1), free, set *hp = NULL.
 * Accepts NULL. */
void harness_destroy(harness_t **hp);

/* From now on, every client the harness makes (its own health checks and
 * harness_client) uses CURVE with these Z85 keys; NULL server_pub turns it
 * off. Start the daemon with --auth and --server-key matching them. */
void harness_use_curve(const char *server_pub, const char *client_pub, const char *client_sec);

/* Health call helper: returns 1 if `c` gets an OK Health answer, else 0. */
int harness_health_ok(bole_client_t *c);

/* Run a program to completion: argv[0] is the path; stdout and stderr are
 * captured into malloc'd strings (*out, *err; either pointer may be NULL to
 * discard; free() them). Waits at most `timeout_ms` (then SIGKILL, status
 * -1). Returns the exit status, 128 + signal, or -1; *elapsed_ms (if not
 * NULL) gets the wall time. */
int harness_run(const char *const *argv, char **out, char **err, int timeout_ms,
                long *elapsed_ms);

/* A free TCP port on 127.0.0.1 (bound then released), or 0 on failure. */
int harness_free_port(void);

/* BOLE_TEST_TIME_SCALE (default 1): factor the harness applies to its own
 * start-up and stop waits; tests may scale their waits by it too. With
 * BOLE_TEST_WRAPPER set (e.g. to a valgrind command line), every boled the
 * harness starts runs under that command (tests/valgrind/run.sh). */
int harness_time_scale(void);

#endif /* BOLE_TESTS_HARNESS_H */
