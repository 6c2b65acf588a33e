/* harness.c — start, stop, kill and restart a real boled for integration
 * tests (see harness.h). */
#define _GNU_SOURCE

#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

#define S_MAX_EXTRA 32
#define S_MAX_LIVE  16
#define S_MAX_WRAP  16
#define S_START_TIMEOUT_MS 10000

struct harness {
    pid_t pid;                       /* Daemon pid, -1 when not running. */
    char  dir[256];                  /* Temporary directory (mkdtemp). */
    char  db[300];                   /* <dir>/bole.db */
    char  log[300];                  /* <dir>/boled.log */
    char  endpoint[64];              /* tcp://127.0.0.1:<port> for requests. */
    char  events[64];                /* tcp://127.0.0.1:<port> for events. */
    const char *extra[S_MAX_EXTRA];  /* Extra argv, borrowed from the caller. */
    size_t nextra;                   /* Entries used in extra. */
};

/* Harnesses alive, for the atexit() clean-up. */
/* CURVE keys for every client the harness makes (harness_use_curve). */
static int s_curve;
static char s_server_pub[41], s_client_pub[41], s_client_sec[41];

void harness_use_curve(const char *server_pub, const char *client_pub, const char *client_sec)
{
    s_curve = server_pub != NULL;
    if (!s_curve)
        return;
    snprintf(s_server_pub, sizeof s_server_pub, "%s", server_pub);
    snprintf(s_client_pub, sizeof s_client_pub, "%s", client_pub);
    snprintf(s_client_sec, sizeof s_client_sec, "%s", client_sec);
}

static bole_client_t *s_new_client(const char *endpoint, int timeout_ms)
{
    bole_client_t *c = bole_client_new(endpoint, timeout_ms);
    if (c != NULL && s_curve
        && bole_client_set_curve(c, s_server_pub, s_client_pub, s_client_sec) != BOLE_OK)
        bole_client_destroy(&c);
    return c;
}

static harness_t *s_live[S_MAX_LIVE];
static int s_atexit_done;

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Convert a waitpid() status to an exit code (128 + signal for signals). */
static int s_exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

/* Wait up to timeout_ms for `pid`; returns the exit code or -2 on timeout. */
static int s_wait_pid(pid_t pid, int timeout_ms)
{
    int64_t deadline = s_now_ms() + timeout_ms;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return s_exit_code(status);
        if (r < 0 && errno != EINTR)
            return -1;
        if (s_now_ms() >= deadline)
            return -2;
        s_sleep_ms(10);
    }
}

static void s_atexit(void)
{
    for (int i = 0; i < S_MAX_LIVE; i++) {
        harness_t *h = s_live[i];
        if (h != NULL)
            harness_destroy(&h);
    }
}

static void s_register(harness_t *h)
{
    if (!s_atexit_done) {
        atexit(s_atexit);
        s_atexit_done = 1;
    }
    for (int i = 0; i < S_MAX_LIVE; i++) {
        if (s_live[i] == NULL) {
            s_live[i] = h;
            return;
        }
    }
}

static void s_unregister(const harness_t *h)
{
    for (int i = 0; i < S_MAX_LIVE; i++)
        if (s_live[i] == h)
            s_live[i] = NULL;
}

/* BOLE_TEST_TIME_SCALE (integer ≥ 1, default 1) stretches the harness's own
 * start and stop waits, for daemons run under a slow wrapper (valgrind). */
int harness_time_scale(void)
{
    const char *v = getenv("BOLE_TEST_TIME_SCALE");
    long n = v != NULL ? strtol(v, NULL, 10) : 1;
    return n >= 1 && n <= 1000 ? (int)n : 1;
}

/* BOLE_TEST_WRAPPER: a command (split on spaces, no quoting) that boled is
 * started under, e.g. "valgrind --tool=memcheck --log-file=/tmp/vg.%p".
 * Fills argv[0..] with its words (pointing into buf); returns their count. */
static size_t s_wrapper(char *buf, size_t cap, const char **argv, size_t max)
{
    const char *v = getenv("BOLE_TEST_WRAPPER");
    size_t n = 0;

    if (v == NULL || v[0] == '\0')
        return 0;
    snprintf(buf, cap, "%s", v);
    for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w != NULL && n < max;
         w = strtok_r(NULL, " \t", &save))
        argv[n++] = w;
    return n;
}

int harness_free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int port = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return 0;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0
        && getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

int harness_health_ok(bole_client_t *c)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__HealthRequest hr = BOLE__HEALTH_REQUEST__INIT;
    Bole__Response *resp = NULL;
    int ok;

    req.body_case = BOLE__REQUEST__BODY_HEALTH;
    req.health = &hr;
    if (bole_client_call(c, &req, &resp) != BOLE_OK)
        return 0;
    ok = resp->status == BOLE__STATUS_CODE__OK
         && resp->body_case == BOLE__RESPONSE__BODY_HEALTH;
    bole_response_free(resp);
    return ok;
}

/* Spawn boled on fresh ports and wait for Health. 0 on success. */
static int s_spawn(harness_t *h)
{
    const char *argv[16 + S_MAX_WRAP + S_MAX_EXTRA];
    const char *level = getenv("BOLE_TEST_LOG_LEVEL");
    char wrap[1024];
    posix_spawn_file_actions_t fa;
    size_t n = 0;
    int64_t deadline;
    int p1, p2, rc;
    int start_timeout_ms = S_START_TIMEOUT_MS * harness_time_scale();

    p1 = harness_free_port();
    do {
        p2 = harness_free_port();
    } while (p2 != 0 && p2 == p1);
    if (p1 == 0 || p2 == 0) {
        fprintf(stderr, "harness: no free TCP port\n");
        return -1;
    }
    snprintf(h->endpoint, sizeof h->endpoint, "tcp://127.0.0.1:%d", p1);
    snprintf(h->events, sizeof h->events, "tcp://127.0.0.1:%d", p2);

    n = s_wrapper(wrap, sizeof wrap, argv, S_MAX_WRAP);
    argv[n++] = BOLED_PATH;
    argv[n++] = "--listen";
    argv[n++] = h->endpoint;
    argv[n++] = "--events";
    argv[n++] = h->events;
    argv[n++] = "--db";
    argv[n++] = h->db;
    argv[n++] = "--model";
    argv[n++] = BOLE_SOURCE_DIR "/models";
    argv[n++] = "--log-level";
    argv[n++] = level != NULL && level[0] != '\0' ? level : "info";
    for (size_t i = 0; i < h->nextra; i++)
        argv[n++] = h->extra[i];
    argv[n] = NULL;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, h->log,
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    rc = posix_spawnp(&h->pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "harness: cannot start %s: %s\n", argv[0], strerror(rc));
        h->pid = -1;
        return -1;
    }

    /* Wait for Health, noticing a daemon that died on start-up. */
    deadline = s_now_ms() + start_timeout_ms;
    bole_client_t *c = s_new_client(h->endpoint, 250);
    if (c == NULL) {
        fprintf(stderr, "harness: cannot create a client for %s\n", h->endpoint);
        harness_kill(h);
        return -1;
    }
    while (s_now_ms() < deadline) {
        int status;
        if (harness_health_ok(c)) {
            bole_client_destroy(&c);
            return 0;
        }
        if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
            fprintf(stderr, "harness: boled exited during start-up (status %d)\n",
                    s_exit_code(status));
            h->pid = -1;
            bole_client_destroy(&c);
            harness_dump_log(h, 60);
            return -1;
        }
    }
    bole_client_destroy(&c);
    fprintf(stderr, "harness: boled did not answer Health on %s within %d ms\n",
            h->endpoint, start_timeout_ms);
    harness_dump_log(h, 60);
    harness_kill(h);
    return -1;
}

harness_t *harness_start(const char *const *extra_args)
{
    const char *tmp = getenv("TMPDIR");
    harness_t *h = calloc(1, sizeof *h);

    if (h == NULL)
        return NULL;
    h->pid = -1;
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    snprintf(h->dir, sizeof h->dir, "%s/bole-test-XXXXXX", tmp);
    if (mkdtemp(h->dir) == NULL) {
        fprintf(stderr, "harness: mkdtemp %s: %s\n", h->dir, strerror(errno));
        free(h);
        return NULL;
    }
    snprintf(h->db, sizeof h->db, "%s/bole.db", h->dir);
    snprintf(h->log, sizeof h->log, "%s/boled.log", h->dir);
    for (; extra_args != NULL && extra_args[h->nextra] != NULL; h->nextra++) {
        if (h->nextra == S_MAX_EXTRA) {
            fprintf(stderr, "harness: too many extra arguments\n");
            break;
        }
        h->extra[h->nextra] = extra_args[h->nextra];
    }
    s_register(h);
    if (s_spawn(h) != 0) {
        harness_destroy(&h);
        return NULL;
    }
    return h;
}

int harness_stop(harness_t *h, int timeout_ms)
{
    int rc;

    if (h == NULL || h->pid <= 0)
        return -1;
    timeout_ms *= harness_time_scale();
    kill(h->pid, SIGTERM);
    rc = s_wait_pid(h->pid, timeout_ms);
    if (rc == -2) {
        fprintf(stderr, "harness: boled did not exit within %d ms of SIGTERM; killing it\n",
                timeout_ms);
        harness_kill(h);
        return -1;
    }
    h->pid = -1;
    return rc;
}

int harness_kill(harness_t *h)
{
    if (h == NULL || h->pid <= 0)
        return -1;
    kill(h->pid, SIGKILL);
    s_wait_pid(h->pid, 10000);
    h->pid = -1;
    return 0;
}

int harness_restart(harness_t *h)
{
    if (h == NULL || h->pid > 0)
        return -1;
    return s_spawn(h);
}

const char *harness_endpoint(const harness_t *h) { return h->endpoint; }
const char *harness_events_endpoint(const harness_t *h) { return h->events; }
const char *harness_dir(const harness_t *h) { return h->dir; }
const char *harness_db_path(const harness_t *h) { return h->db; }
const char *harness_log_path(const harness_t *h) { return h->log; }
pid_t harness_pid(const harness_t *h) { return h->pid; }

bole_client_t *harness_client(const harness_t *h, int timeout_ms)
{
    return s_new_client(h->endpoint, timeout_ms);
}

void harness_dump_log(const harness_t *h, int lines)
{
    FILE *f = fopen(h->log, "r");
    char buf[4096];
    long size, start = 0;
    int nl = 0;

    if (f == NULL) {
        fprintf(stderr, "harness: no daemon log at %s\n", h->log);
        return;
    }
    /* Find where the last `lines` lines start by scanning backwards. */
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    for (long pos = size - 1; pos >= 0; pos--) {
        fseek(f, pos, SEEK_SET);
        if (fgetc(f) == '\n' && pos != size - 1 && ++nl >= lines) {
            start = pos + 1;
            break;
        }
    }
    fseek(f, start, SEEK_SET);
    fprintf(stderr, "---- boled log (%s, last %d lines) ----\n", h->log, lines);
    for (size_t got; (got = fread(buf, 1, sizeof buf, f)) > 0;)
        fwrite(buf, 1, got, stderr);
    fprintf(stderr, "---- end of boled log ----\n");
    fclose(f);
}

static int s_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void harness_destroy(harness_t **hp)
{
    harness_t *h;
    const char *keep = getenv("BOLE_TEST_KEEP");

    if (hp == NULL || *hp == NULL)
        return;
    h = *hp;
    harness_kill(h);
    if (check_failed())
        harness_dump_log(h, 40);
    if (keep != NULL && strcmp(keep, "1") == 0)
        fprintf(stderr, "harness: kept %s\n", h->dir);
    else
        nftw(h->dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    s_unregister(h);
    free(h);
    *hp = NULL;
}

/* Read a whole file into a malloc'd NUL-terminated string. */
static char *s_slurp(int fd)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);

    if (buf == NULL)
        return NULL;
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        ssize_t r;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL)
                break;
            buf = nb;
            cap *= 2;
        }
        r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    return buf;
}

int harness_run(const char *const *argv, char **out, char **err, int timeout_ms,
                long *elapsed_ms)
{
    char opath[] = "/tmp/bole-run-out-XXXXXX";
    char epath[] = "/tmp/bole-run-err-XXXXXX";
    int ofd = mkstemp(opath), efd = mkstemp(epath);
    posix_spawn_file_actions_t fa;
    int64_t t0 = s_now_ms();
    pid_t pid;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (err != NULL)
        *err = NULL;
    if (ofd < 0 || efd < 0) {
        if (ofd >= 0) {
            close(ofd);
            unlink(opath);
        }
        if (efd >= 0) {
            close(efd);
            unlink(epath);
        }
        return -1;
    }
    unlink(opath);
    unlink(epath);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, ofd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, efd, STDERR_FILENO);
    rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "harness: cannot run %s: %s\n", argv[0], strerror(rc));
        close(ofd);
        close(efd);
        return -1;
    }
    rc = s_wait_pid(pid, timeout_ms);
    if (rc == -2) {
        kill(pid, SIGKILL);
        s_wait_pid(pid, 5000);
        rc = -1;
    }
    if (elapsed_ms != NULL)
        *elapsed_ms = (long)(s_now_ms() - t0);
    if (out != NULL)
        *out = s_slurp(ofd);
    if (err != NULL)
        *err = s_slurp(efd);
    close(ofd);
    close(efd);
    return rc;
}
