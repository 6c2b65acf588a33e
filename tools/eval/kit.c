/* kit.c — shared helpers of bole-eval and bole-bench (see kit.h). */
#define _GNU_SOURCE

#include "kit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bole/client.h"

/* ---- memory ------------------------------------------------------------ */

static void s_oom(void)
{
    fprintf(stderr, "out of memory\n");
    exit(3);
}

void *kit_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        s_oom();
    return p;
}

void *kit_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        s_oom();
    return p;
}

void *kit_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        s_oom();
    return q;
}

char *kit_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = kit_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

/* ---- random ------------------------------------------------------------ */

uint64_t kit_rng_next(kit_rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

size_t kit_rng_below(kit_rng_t *r, size_t n)
{
    return (size_t)(kit_rng_next(r) % (uint64_t)n);
}

double kit_rng_unit(kit_rng_t *r)
{
    return (double)(kit_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

void kit_rng_shuffle(kit_rng_t *r, size_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = kit_rng_below(r, i);
        size_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* ---- time -------------------------------------------------------------- */

double kit_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int64_t kit_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- O*NET ------------------------------------------------------------- */

/* Split a TSV line in place into at most max fields; returns the count. */
static size_t s_split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    size_t len = strlen(p);
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        p[--len] = 0;
    while (n < max) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = 0;
        p = t + 1;
    }
    return n;
}

static int s_cmp_occ(const void *a, const void *b)
{
    return strcmp(((const kit_occ_t *)a)->code, ((const kit_occ_t *)b)->code);
}

size_t kit_onet_find(const kit_onet_t *o, const char *code)
{
    size_t lo = 0, hi = o->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(o->occ[mid].code, code);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (size_t)-1;
}

static FILE *s_open(const char *dir, const char *name, int required)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f && required)
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
    else if (!f)
        fprintf(stderr, "warning: %s not found; continuing without it\n", path);
    return f;
}

static void s_push_str(char ***v, size_t *n, const char *s)
{
    *v = kit_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = kit_xstrdup(s);
}

static void s_push_related(kit_occ_t *a, size_t idx)
{
    for (size_t i = 0; i < a->n_related; i++)
        if (a->related[i] == idx)
            return;
    a->related = kit_xrealloc(a->related, (a->n_related + 1) * sizeof *a->related);
    a->related[a->n_related++] = idx;
}

int kit_onet_load(kit_onet_t *o, const char *dir, const char *heldout_path)
{
    char *line = NULL;
    size_t cap = 0;
    char *f[8];
    memset(o, 0, sizeof *o);

    FILE *fp = s_open(dir, "Occupation_Data.txt", 1);
    if (!fp)
        return -1;
    size_t cap_occ = 0;
    int header = 1;
    while (getline(&line, &cap, fp) > 0) {
        if (header) { header = 0; continue; }
        if (s_split(line, f, 3) < 2 || strlen(f[0]) >= sizeof o->occ[0].code)
            continue;
        if (o->n == cap_occ) {
            cap_occ = cap_occ ? cap_occ * 2 : 1024;
            o->occ = kit_xrealloc(o->occ, cap_occ * sizeof *o->occ);
        }
        kit_occ_t *c = &o->occ[o->n++];
        memset(c, 0, sizeof *c);
        snprintf(c->code, sizeof c->code, "%s", f[0]);
        c->title = kit_xstrdup(f[1]);
    }
    fclose(fp);
    qsort(o->occ, o->n, sizeof *o->occ, s_cmp_occ);

    fp = s_open(dir, "Technology_Skills.txt", 1);
    if (!fp)
        goto err;
    header = 1;
    while (getline(&line, &cap, fp) > 0) {
        if (header) { header = 0; continue; }
        if (s_split(line, f, 4) < 3)
            continue;
        size_t i = kit_onet_find(o, f[0]);
        if (i == (size_t)-1)
            continue;
        kit_occ_t *c = &o->occ[i];
        c->tech = kit_xrealloc(c->tech, (c->n_tech + 1) * sizeof *c->tech);
        c->tech[c->n_tech].name = kit_xstrdup(f[1]);
        c->tech[c->n_tech].hot = f[2][0] == 'Y';
        c->n_tech++;
    }
    fclose(fp);

    fp = heldout_path ? fopen(heldout_path, "r") : NULL;
    if (heldout_path && !fp) {
        fprintf(stderr, "cannot open %s: %s\n", heldout_path, strerror(errno));
        goto err;
    }
    if (fp) {
        header = 1;
        while (getline(&line, &cap, fp) > 0) {
            if (header) { header = 0; continue; }
            if (s_split(line, f, 2) < 2)
                continue;
            size_t i = kit_onet_find(o, f[0]);
            if (i != (size_t)-1)
                s_push_str(&o->occ[i].heldout, &o->occ[i].n_heldout, f[1]);
        }
        fclose(fp);
    }

    fp = s_open(dir, "Alternate_Titles.txt", 0);
    if (fp) {
        header = 1;
        while (getline(&line, &cap, fp) > 0) {
            if (header) { header = 0; continue; }
            if (s_split(line, f, 2) < 2)
                continue;
            size_t i = kit_onet_find(o, f[0]);
            if (i != (size_t)-1)
                s_push_str(&o->occ[i].alt, &o->occ[i].n_alt, f[1]);
        }
        fclose(fp);
    }

    fp = s_open(dir, "Related_Occupations.txt", 0);
    if (fp) {
        header = 1;
        while (getline(&line, &cap, fp) > 0) {
            if (header) { header = 0; continue; }
            if (s_split(line, f, 3) < 2)
                continue;
            size_t a = kit_onet_find(o, f[0]), b = kit_onet_find(o, f[1]);
            if (a == (size_t)-1 || b == (size_t)-1 || a == b)
                continue;
            s_push_related(&o->occ[a], b);
            s_push_related(&o->occ[b], a);
        }
        fclose(fp);
    }

    fp = s_open(dir, "Job_Zones.txt", 0);
    if (fp) {
        header = 1;
        while (getline(&line, &cap, fp) > 0) {
            if (header) { header = 0; continue; }
            if (s_split(line, f, 2) < 2)
                continue;
            size_t i = kit_onet_find(o, f[0]);
            if (i != (size_t)-1)
                o->occ[i].job_zone = atoi(f[1]);
        }
        fclose(fp);
    }
    /* Occupations without a job zone of their own (O*NET gives zones to
     * most): take the first related occupation's, else 3. */
    for (size_t i = 0; i < o->n; i++) {
        kit_occ_t *c = &o->occ[i];
        if (c->job_zone >= 1 && c->job_zone <= 5)
            continue;
        c->job_zone = 3;
        for (size_t j = 0; j < c->n_related; j++) {
            int z = o->occ[c->related[j]].job_zone;
            if (z >= 1 && z <= 5) {
                c->job_zone = z;
                break;
            }
        }
    }
    free(line);
    return 0;
err:
    free(line);
    kit_onet_free(o);
    return -1;
}

void kit_onet_free(kit_onet_t *o)
{
    for (size_t i = 0; i < o->n; i++) {
        kit_occ_t *c = &o->occ[i];
        free(c->title);
        for (size_t j = 0; j < c->n_tech; j++)
            free(c->tech[j].name);
        free(c->tech);
        for (size_t j = 0; j < c->n_heldout; j++)
            free(c->heldout[j]);
        free(c->heldout);
        for (size_t j = 0; j < c->n_alt; j++)
            free(c->alt[j]);
        free(c->alt);
        free(c->related);
    }
    free(o->occ);
    memset(o, 0, sizeof *o);
}

void kit_job_zone_years(int jz, float *lo, float *hi)
{
    /* O*NET Job Zone Reference: 1 "little or no previous experience", 2 "some"
     * (up to a year), 3 "previous work-related experience" (1-2 years), 4 "a
     * minimum of two to four years", 5 "extensive" (often more than five). */
    static const float tab[6][2] = { {1, 4}, {0, 1}, {0.5f, 2}, {1, 4}, {2, 6}, {5, 12} };
    if (jz < 1 || jz > 5)
        jz = 0;
    *lo = tab[jz][0];
    *hi = tab[jz][1];
}

int kit_job_zone_education(int jz)
{
    /* bole.Education: 1 secondary, 2 vocational, 3 associate, 4 bachelor,
     * 5 master, 6 doctorate. */
    static const int tab[6] = { 0, 1, 2, 3, 4, 5 };
    return (jz >= 1 && jz <= 5) ? tab[jz] : 0;
}

/* ---- daemon ------------------------------------------------------------ */

int kit_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

int kit_find_boled(const char *given, const char *compiled, char *out, size_t len)
{
    if (given) {
        snprintf(out, len, "%s", given);
        return access(out, X_OK) == 0 ? 0 : -1;
    }
    if (compiled && access(compiled, X_OK) == 0) {
        snprintf(out, len, "%s", compiled);
        return 0;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = 0;
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = 0;
            snprintf(out, len, "%s/../../daemon/boled", self);
            if (access(out, X_OK) == 0)
                return 0;
        }
    }
    return -1;
}

static int s_health_ok(const char *endpoint, int timeout_ms)
{
    bole_client_t *c = bole_client_new(endpoint, timeout_ms);
    if (!c)
        return 0;
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__HealthRequest h = BOLE__HEALTH_REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_HEALTH;
    req.health = &h;
    Bole__Response *resp = NULL;
    int ok = bole_client_call(c, &req, &resp) == BOLE_OK && resp &&
             resp->status == BOLE__STATUS_CODE__OK;
    bole_response_free(resp);
    bole_client_destroy(&c);
    return ok;
}

int kit_daemon_start(kit_daemon_t *d, double timeout_s, double *ready_s)
{
    int p1 = kit_free_port(), p2 = kit_free_port();
    if (p1 < 0 || p2 < 0 || p1 == p2) {
        fprintf(stderr, "no free port\n");
        return -1;
    }
    snprintf(d->endpoint, sizeof d->endpoint, "tcp://127.0.0.1:%d", p1);
    snprintf(d->events, sizeof d->events, "tcp://127.0.0.1:%d", p2);
    double t0 = kit_now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
            close(fd);
        }
        execl(d->boled, d->boled, "--listen", d->endpoint, "--events", d->events, "--db", d->db,
              "--model", d->model_dir, "--synchronous",
              d->synchronous ? d->synchronous : "full", "--log-level", "warn",
              "--max-message-size", "67108864", (char *)NULL);
        _exit(127);
    }
    d->pid = pid;
    while (kit_now_s() - t0 < timeout_s) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "boled exited during start-up (status %d); log: %s\n", st,
                    d->log_path);
            d->pid = 0;
            return -1;
        }
        if (s_health_ok(d->endpoint, 200)) {
            if (ready_s)
                *ready_s = kit_now_s() - t0;
            return 0;
        }
        usleep(5000);
    }
    fprintf(stderr, "boled did not answer health within %.0f s; log: %s\n", timeout_s,
            d->log_path);
    kit_daemon_stop(d);
    return -1;
}

int kit_daemon_stop(kit_daemon_t *d)
{
    if (d->pid <= 0)
        return -1;
    kill(d->pid, SIGTERM);
    int st = 0;
    for (int i = 0; i < 6000; i++) {
        pid_t r = waitpid(d->pid, &st, WNOHANG);
        if (r == d->pid) {
            d->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        usleep(10000);
    }
    kill(d->pid, SIGKILL);
    waitpid(d->pid, &st, 0);
    d->pid = 0;
    return -1;
}

int kit_tmpdir(const char *prefix, char *out, size_t len)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, len, "%s/%sXXXXXX", base && *base ? base : "/tmp", prefix);
    return mkdtemp(out) ? 0 : -1;
}

static void s_rm_dir(const char *dir, int depth)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (depth < 2)
                s_rm_dir(path, depth + 1);
        } else {
            unlink(path);
        }
    }
    closedir(dp);
    rmdir(dir);
}

void kit_rmtree(const char *dir)
{
    s_rm_dir(dir, 0);
}
