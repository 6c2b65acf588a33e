/* bole-teambench - FormTeam latency against a running boled.
 *
 *   bole-teambench [--server ENDPOINT] [--talents N] [--runs R] [--no-load]
 *
 * Loads N synthetic talents built from O*NET technology skills (random
 * occupation, 6-10 of its technologies), puts a 6-role project of 12 seats
 * (two each of six software/data occupations), waits for the index to
 * settle, then times R FormTeam calls and prints p50/p99/max in ms. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bole/client.h"

#define MAX_OCC 1200
#define MAX_SK 48

typedef struct {
    char code[16];
    char title[128];
    char *skills[MAX_SK];
    int n;
} occ_t;

static occ_t s_o[MAX_OCC];
static int s_n_occ;
static uint64_t s_rng = 0x2545f4914f6cdd1dull;

static uint32_t s_rand(uint32_t n)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (uint32_t)(s_rng % n);
}

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static occ_t *s_find(const char *code)
{
    for (int i = 0; i < s_n_occ; i++)
        if (strcmp(s_o[i].code, code) == 0)
            return &s_o[i];
    return NULL;
}

static void s_load(void)
{
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/models/src/onet/Occupation_Data.txt", BOLE_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    if (!fgets(line, sizeof line, f)) /* Header. */
        exit(1);
    while (fgets(line, sizeof line, f) && s_n_occ < MAX_OCC) {
        char *code = strtok(line, "\t"), *title = strtok(NULL, "\t");
        if (!code || !title)
            continue;
        snprintf(s_o[s_n_occ].code, sizeof s_o[s_n_occ].code, "%s", code);
        snprintf(s_o[s_n_occ].title, sizeof s_o[s_n_occ].title, "%s", title);
        s_n_occ++;
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/models/src/onet/Technology_Skills.txt", BOLE_SOURCE_DIR);
    f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    while (fgets(line, sizeof line, f)) {
        char *code = strtok(line, "\t"), *ex = strtok(NULL, "\t"), *hot = strtok(NULL, "\t");
        occ_t *o = code && ex && hot ? s_find(code) : NULL;
        if (o && o->n < MAX_SK && (hot[0] == 'Y' || o->n < 12))
            o->skills[o->n++] = strdup(ex);
    }
    fclose(f);
    int k = 0;
    for (int i = 0; i < s_n_occ; i++)
        if (s_o[i].n >= 6)
            s_o[k++] = s_o[i];
    s_n_occ = k;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static Bole__Response *s_call(bole_client_t *c, Bole__Request *req)
{
    Bole__Response *r = NULL;
    int rc = bole_client_call(c, req, &r);
    if (rc != 0) {
        fprintf(stderr, "call failed: %s\n", bole_strerror(rc));
        exit(3);
    }
    if (r->status != 0) {
        fprintf(stderr, "status %s: %s\n", bole_status_name(r->status), r->error);
        exit(1);
    }
    return r;
}

static void s_put_talents(bole_client_t *c, long n)
{
    enum { B = 5000 };
    Bole__Talent *t = calloc(B, sizeof *t);
    Bole__Talent **tp = calloc(B, sizeof *tp);
    Bole__Skill *sk = calloc(B * 10, sizeof *sk);
    Bole__Skill **skp = calloc(B * 10, sizeof *skp);
    char (*ids)[24] = calloc(B, sizeof *ids);
    double t0 = s_now_ms();
    for (long base = 0; base < n; base += B) {
        long m = n - base < B ? n - base : B;
        for (long i = 0; i < m; i++) {
            occ_t *o = &s_o[s_rand((uint32_t)s_n_occ)];
            Bole__Talent t_init = BOLE__TALENT__INIT;
            t[i] = t_init;
            snprintf(ids[i], sizeof ids[i], "t%ld", base + i);
            t[i].external_id = ids[i];
            t[i].occupation = o->title;
            t[i].zone = s_rand(4) ? "Z1" : "Z2";
            t[i].experience_years = (float)(1 + s_rand(20));
            int want = 6 + (int)s_rand(5), got = 0;
            for (int tries = 0; got < want && tries < 50; tries++) {
                char *name = o->skills[s_rand((uint32_t)o->n)];
                int dup = 0;
                for (int j = 0; j < got; j++)
                    dup |= skp[i * 10 + j]->name == name;
                if (dup)
                    continue;
                Bole__Skill s_init = BOLE__SKILL__INIT;
                sk[i * 10 + got] = s_init;
                sk[i * 10 + got].name = name;
                sk[i * 10 + got].level = 1 + s_rand(5);
                skp[i * 10 + got] = &sk[i * 10 + got];
                got++;
            }
            t[i].skills = &skp[i * 10];
            t[i].n_skills = (size_t)got;
            tp[i] = &t[i];
        }
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__PutTalentsRequest b = BOLE__PUT_TALENTS_REQUEST__INIT;
        b.talents = tp;
        b.n_talents = (size_t)m;
        req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
        req.put_talents = &b;
        bole_response_free(s_call(c, &req));
        if ((base / B) % 20 == 0)
            fprintf(stderr, "loaded %ld talents (%.0f/s)\n", base + m,
                    (base + m) / ((s_now_ms() - t0) / 1e3));
    }
    free(t);
    free(tp);
    free(sk);
    free(skp);
    free(ids);
}

static void s_put_project(bole_client_t *c)
{
    static const char *const codes[6] = {"15-1252.00", "15-1255.00", "15-2051.00",
                                         "13-1082.00", "15-1244.00", "15-1212.00"};
    Bole__Project p = BOLE__PROJECT__INIT;
    Bole__ProjectRole r[6], *rp[6];
    Bole__NeedSkill s[6][6], *sp[6][6];
    char ids[6][16];
    for (int i = 0; i < 6; i++) {
        occ_t *o = s_find(codes[i]);
        if (!o)
            o = &s_o[i];
        Bole__ProjectRole r0 = BOLE__PROJECT_ROLE__INIT;
        r[i] = r0;
        snprintf(ids[i], sizeof ids[i], "bench-r%d", i);
        r[i].role_id = ids[i];
        r[i].title = o->title;
        r[i].headcount = 2;
        for (int k = 0; k < 6 && k < o->n; k++) {
            Bole__NeedSkill s0 = BOLE__NEED_SKILL__INIT;
            s[i][k] = s0;
            s[i][k].name = o->skills[k];
            s[i][k].must_have = k < 3;
            s[i][k].min_level = k < 3 ? 3 : 0;
            sp[i][k] = &s[i][k];
            r[i].n_skills = (size_t)k + 1;
        }
        r[i].skills = sp[i];
        rp[i] = &r[i];
    }
    p.external_id = "bench-project";
    p.zone = "Z1";
    p.roles = rp;
    p.n_roles = 6;
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutProjectRequest b = BOLE__PUT_PROJECT_REQUEST__INIT;
    b.project = &p;
    req.body_case = BOLE__REQUEST__BODY_PUT_PROJECT;
    req.put_project = &b;
    bole_response_free(s_call(c, &req));
}

int main(int argc, char **argv)
{
    const char *server = BOLE_DEFAULT_ENDPOINT;
    long talents = 100000, runs = 200;
    int load = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--server") == 0 && i + 1 < argc)
            server = argv[++i];
        else if (strcmp(argv[i], "--talents") == 0 && i + 1 < argc)
            talents = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--no-load") == 0)
            load = 0;
        else {
            fprintf(stderr, "usage: bole-teambench [--server EP] [--talents N] [--runs R] "
                            "[--no-load]\n");
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    s_load();
    bole_client_t *c = bole_client_new(server, 600000);
    if (!c)
        return 3;
    if (load)
        s_put_talents(c, talents);
    s_put_project(c);
    double *ms = calloc((size_t)runs, sizeof *ms);
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__FormTeamRequest b = BOLE__FORM_TEAM_REQUEST__INIT;
    b.project_id = "bench-project";
    b.alternatives = 1;
    req.body_case = BOLE__REQUEST__BODY_FORM_TEAM;
    req.form_team = &b;
    for (int w = 0; w < 5; w++) /* Warm-up. */
        bole_response_free(s_call(c, &req));
    size_t members = 0;
    double objective = 0.0, coverage = 0.0;
    for (long i = 0; i < runs; i++) {
        double t0 = s_now_ms();
        Bole__Response *r = s_call(c, &req);
        ms[i] = s_now_ms() - t0;
        members = r->form_team && r->form_team->n_teams ? r->form_team->teams[0]->n_members : 0;
        if (members) {
            objective = r->form_team->teams[0]->objective;
            coverage = r->form_team->teams[0]->coverage_score;
        }
        bole_response_free(r);
    }
    qsort(ms, (size_t)runs, sizeof *ms, s_cmp);
    printf("FormTeam 6 roles x 2 seats, %ld talents loaded, %ld runs: p50 %.2f ms, "
           "p99 %.2f ms, max %.2f ms (%zu members, objective %.4f, coverage %.4f)\n",
           load ? talents : -1L, runs, ms[runs / 2], ms[(size_t)((double)runs * 0.99)],
           ms[runs - 1], members, objective, coverage);
    free(ms);
    bole_client_destroy(&c);
    return 0;
}
