/* test_diskfull.c — a full disk and a read-only database file: writes get
 * UNAVAILABLE with a clear message and change nothing, reads go on serving,
 * and the daemon recovers by itself (no restart) once space returns or the
 * file is writable again.
 *
 * The DB lives on a small file system made for the test: an ext4 image
 * loop-mounted on a temporary directory (needs root, mkfs.ext4 and a loop
 * device), else a size-limited tmpfs (root; then only the disk-full part
 * runs). The disk is filled with a filler file until ENOSPC; the read-only
 * case makes the DB and -wal files immutable (chattr +i: even root
 * then gets EPERM on write, which is what a file system remounted read-only
 * gives an open file). Without root or without mount the test prints SKIP
 * and exits 77 (CTest SKIP_RETURN_CODE).
 */
#define _GNU_SOURCE /* strcasestr, sync */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "integration/harness.h"

#define SKIP_CODE   77
#define FS_MB       48      /* Size of the test file system. */
#define BULK        300     /* Talents per failing bulk put (about 1 MB). */
#define SUMMARY     3000    /* Bytes of summary per talent. */

static char s_dir[256];     /* mkdtemp directory holding the image and the mount point. */
static char s_mnt[300];     /* Mount point. */
static char s_img[300];     /* ext4 image (loop), or "" for tmpfs. */
static char s_db[400];      /* DB path on the small file system. */
static char s_filler[400];  /* Filler file. */
static int s_mounted, s_ext4;
static harness_t *s_h;
static bole_client_t *s_c;
static char s_summary[SUMMARY + 1];

/* Runs a command quietly; returns its exit status. */
static int s_run(const char *const *argv)
{
    return harness_run(argv, NULL, NULL, 60000, NULL);
}

/* The -shm file is left alone: SQLite writes it through a shared mmap, and an
 * immutable -shm turns those stores into SIGBUS inside SQLite (a test
 * artefact, not what a read-only DB looks like to an operator). */
static void s_chattr(const char *flag)
{
    const char *sfx[] = { "", "-wal" };
    for (size_t i = 0; i < 2; i++) {
        char p[420];
        snprintf(p, sizeof p, "%s%s", s_db, sfx[i]);
        if (access(p, F_OK) == 0) {
            const char *argv[] = { "/usr/bin/chattr", flag, p, NULL };
            s_run(argv);
        }
    }
}

/* atexit: after the harness killed the daemon (registered later, runs first). */
static void s_cleanup(void)
{
    if (s_mounted) {
        if (s_ext4)
            s_chattr("-i");
        const char *argv[] = { "/bin/umount", "-l", s_mnt, NULL };
        s_run(argv);
        s_mounted = 0;
    }
    if (s_img[0])
        unlink(s_img);
    if (s_mnt[0])
        rmdir(s_mnt);
    if (s_dir[0])
        rmdir(s_dir);
}

static void s_skip(const char *why)
{
    printf("SKIP: %s\n", why);
    fflush(stdout);
    exit(SKIP_CODE);
}

/* Makes and mounts the small file system; exits 77 if impossible. */
static void s_setup_fs(void)
{
    const char *tmp = getenv("TMPDIR");
    if (geteuid() != 0)
        s_skip("needs root to mount a size-limited file system (run as root, as CI does)");
    snprintf(s_dir, sizeof s_dir, "%s/bole-diskfull-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s_dir))
        s_skip("cannot make a temporary directory");
    snprintf(s_mnt, sizeof s_mnt, "%s/mnt", s_dir);
    REQUIRE(mkdir(s_mnt, 0700) == 0);
    atexit(s_cleanup);

    /* First choice: ext4 on a loop device (supports chattr +i). */
    snprintf(s_img, sizeof s_img, "%s/fs.img", s_dir);
    int fd = open(s_img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, (off_t)FS_MB << 20) == 0);
    close(fd);
    const char *mkfs[] = { "/sbin/mkfs.ext4", "-q", "-F", "-m", "0", s_img, NULL };
    char opts[64];
    if (s_run(mkfs) == 0) {
        const char *mnt[] = { "/bin/mount", "-o", "loop", s_img, s_mnt, NULL };
        if (s_run(mnt) == 0)
            s_mounted = s_ext4 = 1;
    }
    if (!s_mounted) {
        unlink(s_img);
        s_img[0] = '\0';
        snprintf(opts, sizeof opts, "size=%dm", FS_MB);
        const char *mnt[] = { "/bin/mount", "-t", "tmpfs", "-o", opts, "tmpfs", s_mnt, NULL };
        if (s_run(mnt) != 0)
            s_skip("cannot mount a loop ext4 image or a tmpfs (no loop device / mount denied)");
        s_mounted = 1;
        printf("NOTE: no loop ext4; using tmpfs: the read-only (immutable file) part is "
               "SKIPPED\n");
    }
    snprintf(s_db, sizeof s_db, "%s/bole.db", s_mnt);
    snprintf(s_filler, sizeof s_filler, "%s/filler", s_mnt);
    printf("file system: %s, %d MB at %s\n", s_ext4 ? "ext4 (loop)" : "tmpfs", FS_MB, s_mnt);
}

/* Writes the filler until ENOSPC. Returns bytes written. */
static long long s_fill(void)
{
    static char buf[1 << 16];
    long long total = 0;
    int fd = open(s_filler, O_WRONLY | O_CREAT | O_APPEND, 0600);
    REQUIRE(fd >= 0);
    memset(buf, 'x', sizeof buf);
    for (size_t chunk = sizeof buf; chunk >= 512;) {
        ssize_t n = write(fd, buf, chunk);
        if (n > 0) {
            total += n;
            continue;
        }
        if (n < 0 && errno != ENOSPC)
            break;
        chunk /= 2; /* Squeeze the last blocks out too. */
    }
    fsync(fd);
    close(fd);
    return total;
}

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    int rc = bole_client_call(s_c, req, &r);
    if (rc != BOLE_OK)
        fprintf(stderr, "call failed: %s\n", bole_strerror(rc));
    REQUIRE(rc == BOLE_OK && r != NULL);
    return r;
}

/* Bulk put of n talents "<prefix>-%03d" with long summaries; returns the response. */
static Bole__Response *s_put_bulk(const char *prefix, int n)
{
    Bole__Talent *t = calloc((size_t)n, sizeof *t);
    Bole__Talent **tp = calloc((size_t)n, sizeof *tp);
    Bole__Skill *sk = calloc((size_t)n, sizeof *sk);
    Bole__Skill **skp = calloc((size_t)n, sizeof *skp);
    char (*ids)[32] = calloc((size_t)n, sizeof *ids);
    REQUIRE(t && tp && sk && skp && ids);
    for (int i = 0; i < n; i++) {
        Bole__Talent t0 = BOLE__TALENT__INIT;
        Bole__Skill s0 = BOLE__SKILL__INIT;
        t[i] = t0;
        sk[i] = s0;
        sk[i].name = "python";
        sk[i].level = 3;
        skp[i] = &sk[i];
        snprintf(ids[i], sizeof ids[i], "%s-%03d", prefix, i);
        t[i].external_id = ids[i];
        t[i].zone = "disk";
        t[i].occupation = "Data Scientist";
        t[i].skills = &skp[i];
        t[i].n_skills = 1;
        t[i].summary = s_summary;
        tp[i] = &t[i];
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentsRequest b = BOLE__PUT_TALENTS_REQUEST__INIT;
    b.talents = tp;
    b.n_talents = (size_t)n;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
    req.put_talents = &b;
    Bole__Response *r = s_call(&req);
    free(t); free(tp); free(sk); free(skp); free(ids);
    return r;
}

static int s_get(const char *id)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    b.id = (char *)id;
    req.body_case = BOLE__REQUEST__BODY_GET_TALENT;
    req.get_talent = &b;
    Bole__Response *r = s_call(&req);
    int st = (int)r->status;
    bole_response_free(r);
    return st;
}

/* Reads keep serving: health, get, match (with results), stats. */
static void s_reads_serve(const char *when)
{
    printf("reads while %s\n", when);
    CHECK(harness_health_ok(s_c));
    CHECK_EQ_INT(s_get("D-000"), BOLE__STATUS_CODE__OK);

    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForNeedRequest mn = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    Bole__Need nd = BOLE__NEED__INIT;
    Bole__NeedSkill ns = BOLE__NEED_SKILL__INIT, *nsp = &ns;
    ns.name = "python";
    nd.external_id = "probe";
    nd.title = "Data Scientist";
    nd.skills = &nsp;
    nd.n_skills = 1;
    mn.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED;
    mn.need = &nd;
    mn.k = 5;
    req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
    req.match_for_need = &mn;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    CHECK(r->match != NULL && r->match->n_results == 5);
    bole_response_free(r);

    Bole__Request sr = BOLE__REQUEST__INIT;
    Bole__StatsRequest sb = BOLE__STATS_REQUEST__INIT;
    sr.body_case = BOLE__REQUEST__BODY_STATS;
    sr.stats = &sb;
    r = s_call(&sr);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
}

/* A write refused for lack of space or write access: UNAVAILABLE, a message
 * naming the cause, and nothing of the bulk stored. */
static int s_mentions(const char *err, const char *words)
{
    char w[64];
    for (const char *p = words; err && *p;) {
        size_t n = strcspn(p, "|");
        snprintf(w, sizeof w, "%.*s", (int)n, p);
        if (strcasestr(err, w))
            return 1;
        p += n + (p[n] == '|');
    }
    return 0;
}

static void s_write_refused(const char *prefix, const char *cause_words)
{
    char id[32];
    Bole__Response *r = s_put_bulk(prefix, BULK);
    printf("bulk put %s-*: %s \"%s\"\n", prefix, bole_status_name((int)r->status),
           r->error ? r->error : "");
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__UNAVAILABLE);
    CHECK(r->error != NULL && strlen(r->error) > 0);
    if (!s_mentions(r->error, cause_words))
        fprintf(stderr, "error message does not name the cause (%s): %s\n", cause_words,
                r->error ? r->error : "(none)");
    CHECK(s_mentions(r->error, cause_words));
    bole_response_free(r);
    snprintf(id, sizeof id, "%s-000", prefix);
    CHECK_EQ_INT(s_get(id), BOLE__STATUS_CODE__NOT_FOUND);
    snprintf(id, sizeof id, "%s-%03d", prefix, BULK - 1);
    CHECK_EQ_INT(s_get(id), BOLE__STATUS_CODE__NOT_FOUND);
}

/* After the cause is gone, the same write succeeds without a restart (retried
 * for up to 10 s, as a client would). */
static void s_write_recovers(const char *prefix, pid_t pid)
{
    char id[32];
    int ok = 0, tries = 0;
    for (; tries < 20 && !ok; tries++) {
        Bole__Response *r = s_put_bulk(prefix, BULK);
        ok = r->status == BOLE__STATUS_CODE__OK;
        if (!ok)
            printf("retry %d: %s %s\n", tries + 1, bole_status_name((int)r->status),
                   r->error ? r->error : "");
        bole_response_free(r);
        if (!ok) {
            struct timespec ts = { 0, 500000000L };
            nanosleep(&ts, NULL);
        }
    }
    printf("bulk put %s-* after recovery: %s after %d attempt(s)\n", prefix,
           ok ? "OK" : "still failing", tries);
    CHECK(ok);
    CHECK_EQ_INT(harness_pid(s_h), pid); /* Same process: no restart. */
    snprintf(id, sizeof id, "%s-%03d", prefix, BULK - 1);
    CHECK_EQ_INT(s_get(id), BOLE__STATUS_CODE__OK);
}

int main(void)
{
    memset(s_summary, 'a', SUMMARY);
    for (int i = 0; i < SUMMARY; i += 7)
        s_summary[i] = (char)('a' + i % 26); /* Some variety: less compressible. */
    s_setup_fs();

    const char *args[] = { "--db", s_db, NULL };
    s_h = harness_start(args);
    REQUIRE(s_h != NULL);
    s_c = harness_client(s_h, 15000);
    REQUIRE(s_c != NULL);
    pid_t pid = harness_pid(s_h);

    /* A baseline the reads can find. */
    Bole__Response *r = s_put_bulk("D", 20);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
    REQUIRE(access(s_db, F_OK) == 0); /* The daemon really uses the small file system. */

    /* 1. Disk full. */
    long long filled = s_fill();
    printf("disk filled with %lld bytes\n", filled);
    s_write_refused("F", "full|space");
    s_reads_serve("the disk is full");
    CHECK(unlink(s_filler) == 0);
    sync();
    s_write_recovers("F", pid);

    /* 2. Read-only DB files (ext4 only). */
    if (s_ext4) {
        s_chattr("+i");
        s_write_refused("R", "read-only|readonly|permission|I/O");
        s_reads_serve("the DB is read-only");
        s_chattr("-i");
        s_write_recovers("R", pid);
    }

    /* Everything acknowledged after recovery survives a clean restart. */
    CHECK_EQ_INT(harness_stop(s_h, 30000), 0);
    REQUIRE(harness_restart(s_h) == 0);
    bole_client_destroy(&s_c);
    s_c = harness_client(s_h, 15000);
    REQUIRE(s_c != NULL);
    CHECK_EQ_INT(s_get("F-000"), BOLE__STATUS_CODE__OK);
    if (s_ext4)
        CHECK_EQ_INT(s_get("R-000"), BOLE__STATUS_CODE__OK);
    CHECK_EQ_INT(s_get("D-019"), BOLE__STATUS_CODE__OK);

    bole_client_destroy(&s_c);
    harness_destroy(&s_h);
    s_cleanup();
    return check_summary();
}
