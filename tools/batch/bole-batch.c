/*
 * bole-batch - job-fair assignment and interview scheduling offline.
 *
 * Reads talents and booths (needs with capacities) from CSV files, or
 * generates an O*NET-like event, embeds and scores every pair with the
 * daemon's own model and weights (linked in from bolecore), keeps each
 * talent's best candidates, assigns in optimal and/or stable mode
 * (daemon/assign.c), schedules into slots, writes assignments and agendas
 * as CSV and prints a summary with timings. Formats: --help and
 * docs/EVENTS.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assign.h"
#include "batch_io.h"
#include "batch_server.h"
#include "bole.pb-c.h"
#include "embed.h"
#include "intern.h"
#include "json.h"
#include "model.h"
#include "profile_build.h"
#include "rank.h"
#include "weights.h"

#define MAX_LINE 65536
#define MAX_SKILLS 32

static const char s_usage[] =
    "usage: bole-batch --talents FILE --needs FILE [options]     (offline, from files)\n"
    "       bole-batch --generate T:B [options]                  (offline, O*NET-like data)\n"
    "       bole-batch --server ENDPOINT --event ID [--mode optimal|stable] [--fetch]\n"
    "                  [--out DIR]                               (an event in a running boled)\n"
    "\n"
    "Input files (offline), CSV or JSON lines; JSON lines when the name ends in\n"
    ".jsonl or .ndjson or the first non-blank byte is '{':\n"
    "  talents CSV:  id,occupation,skills,zone[,max_interviews]\n"
    "  booths CSV:   id,title,skills,zone,capacity\n"
    "    RFC 4180 quoting: a field holding a comma is written \"...\" with \"\" for a\n"
    "    quote (one record per line); skills are ';'-separated; a first line\n"
    "    starting with 'id' is a header and skipped; blank lines are skipped.\n"
    "  talents JSONL: {\"id\":\"t1\",\"occupation\":\"Welder\",\"skills\":[\"welding\"],\n"
    "                  \"zone\":\"north\",\"max_interviews\":3}   (all but id optional)\n"
    "  booths JSONL:  {\"id\":\"n1\",\"title\":\"Welder\",\"skills\":[\"welding\",\"tig\"],\n"
    "                  \"zone\":\"north\",\"capacity\":8}          (id, capacity required)\n"
    "  A booth's first two skills are must-haves, the rest nice-to-have. Counts are\n"
    "  1-10000. Unknown JSON fields are errors. Any bad line stops the run with\n"
    "  FILE:LINE and the reason, before anything is written.\n"
    "\n"
    "Offline options:\n"
    "  --talents FILE      talents (CSV or JSON lines)\n"
    "  --needs FILE        booths: needs with interview capacity (CSV or JSON lines)\n"
    "  --generate T:B      instead of files: T talents and B booths drawn from the\n"
    "                      O*NET tables (models/src/onet), booth capacity 5-20\n"
    "  --seed N            generator seed (default 1)\n"
    "  --mode M            optimal, stable or both (default both)\n"
    "  --max-interviews N  per talent when the file gives none (default 3; generate: 5)\n"
    "  --candidates K      best booths kept per talent (default 50)\n"
    "  --min-score S       pairs below this score are never proposed (default 0)\n"
    "  --slots N           the event's slot count (default: as many as needed)\n"
    "  --model-dir DIR     bole.model and weights.conf (default models)\n"
    "  --onet-dir DIR      O*NET tables for --generate (default models/src/onet)\n"
    "Server options (the event lives in boled: create and register it with\n"
    "`bolectl event`):\n"
    "  --server ENDPOINT   boled's request endpoint, e.g. tcp://127.0.0.1:5555\n"
    "  --event ID          the event's id\n"
    "  --mode M            optimal or stable (default optimal); the daemon computes,\n"
    "                      stores and answers the schedule (run_event_matching)\n"
    "  --fetch             do not compute: fetch the stored schedule\n"
    "                      (get_event_schedule); files are named by its mode\n"
    "  --candidates K, --min-score S   passed to the daemon (0: its defaults)\n"
    "  --timeout MS        reply timeout (default 300000)\n"
    "Both:\n"
    "  --out DIR           write, per mode, (ids quoted as above when needed)\n"
    "                      <mode>_assignments.csv    talent_id,need_id,score,slot\n"
    "                      <mode>_agenda_talents.csv talent_id,slot,need_id,score\n"
    "                      <mode>_agenda_booths.csv  need_id,slot,talent_id,score\n"
    "                      <mode>_unmatched.csv      talent_id,reason\n"
    "                      (agendas sorted by id then slot; a slot >= the event's\n"
    "                      slot count means the interview does not fit)\n"
    "  --quiet             no progress lines on stderr\n"
    "Prints per mode: total and mean score, share of talents placed and seats\n"
    "filled, slots needed, blocking pairs, interviews that do not fit, and the\n"
    "first 10 unmatched talents with the reason (all of them in unmatched.csv).\n"
    "Exit status: 0 done, 1 bad input / daemon refused / write failed, 2 usage,\n"
    "3 no answer from the daemon.\n";

typedef struct {
    char *id;
    uint32_t cap;
    float *vec;
    void *rec;          /* bole_talent_rec_t or bole_need_rec_t */
} item_t;

static int s_quiet;

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void s_progress(const char *what, size_t i, size_t n)
{
    if (!s_quiet && n >= 1000 && (i % (n / 10 ? n / 10 : 1) == 0 || i + 1 == n))
        fprintf(stderr, "  %s: %zu/%zu\n", what, i + 1, n);
}

static char *s_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *o = malloc(n);
    if (!o) {
        fprintf(stderr, "bole-batch: out of memory\n");
        exit(2);
    }
    memcpy(o, s, n);
    return o;
}

/* Splits line at sep in place; returns the field count (at most max). */
static size_t s_split(char *line, char sep, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *q = strchr(p, sep);
        if (!q)
            break;
        *q = '\0';
        p = q + 1;
    }
    return n;
}

static void s_chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

/* ---- building profiles ---------------------------------------------------- */

typedef struct {
    const bole_model_t *model;
    bole_intern_t *names;
    int dim;
} ctx_t;

static int s_make_talent(ctx_t *c, item_t *it, const char *id, const char *occ, char **skills,
                         size_t n_skills, const char *zone, uint32_t cap)
{
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Skill sk[MAX_SKILLS], *sp[MAX_SKILLS];
    size_t n = n_skills < MAX_SKILLS ? n_skills : MAX_SKILLS;
    for (size_t i = 0; i < n; i++) {
        bole__skill__init(&sk[i]);
        sk[i].name = skills[i];
        sk[i].level = 3;
        sp[i] = &sk[i];
    }
    t.external_id = (char *)id;
    t.occupation = (char *)occ;
    t.zone = (char *)zone;
    t.skills = sp;
    t.n_skills = n;
    t.experience_years = 5;
    t.updated_at = 1;
    char err[256];
    it->id = s_strdup(id);
    it->cap = cap;
    it->vec = malloc((size_t)c->dim * sizeof(float));
    if (!it->vec || bole_embed_talent(c->model, &t, it->vec, err, sizeof err) != BOLE_OK) {
        fprintf(stderr, "bole-batch: talent %s: %s\n", id, it->vec ? err : "out of memory");
        return -1;
    }
    it->rec = bole_talent_rec_build(c->names, &t, 0);
    return it->rec ? 0 : -1;
}

static int s_make_need(ctx_t *c, item_t *it, const char *id, const char *title, char **skills,
                       size_t n_skills, const char *zone, uint32_t cap)
{
    Bole__Need nd = BOLE__NEED__INIT;
    Bole__NeedSkill sk[MAX_SKILLS], *sp[MAX_SKILLS];
    size_t n = n_skills < MAX_SKILLS ? n_skills : MAX_SKILLS;
    for (size_t i = 0; i < n; i++) {
        bole__need_skill__init(&sk[i]);
        sk[i].name = skills[i];
        sk[i].must_have = i < 2;
        sp[i] = &sk[i];
    }
    nd.external_id = (char *)id;
    nd.title = (char *)title;
    nd.zone = (char *)zone;
    nd.organisation = (char *)id;
    nd.skills = sp;
    nd.n_skills = n;
    nd.updated_at = 1;
    char err[256];
    it->id = s_strdup(id);
    it->cap = cap;
    it->vec = malloc((size_t)c->dim * sizeof(float));
    if (!it->vec || bole_embed_need(c->model, &nd, it->vec, err, sizeof err) != BOLE_OK) {
        fprintf(stderr, "bole-batch: need %s: %s\n", id, it->vec ? err : "out of memory");
        return -1;
    }
    it->rec = bole_need_rec_build(c->names, &nd, 0);
    return it->rec ? 0 : -1;
}

/* Parses a whole decimal integer 1-10000 (the range of capacities and
 * interview caps); -1 otherwise. */
static long s_count(const char *v)
{
    char *end = NULL;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || !end || *end || errno || x < 1 || x > 10000)
        return -1;
    return x;
}

/* Fields of one input line, as strings borrowed from the line buffer or the
 * JSON tree. */
typedef struct {
    const char *id, *name, *zone, *count;  /* name: occupation or title; count: cap. */
    char *skills[MAX_SKILLS];
    size_t n_skills;
    long cap;                              /* Parsed count, or the default. */
    char num[32];                          /* count's text when it came from JSON. */
} fields_t;

static const char *s_cap_name(int need)
{
    return need ? "capacity" : "max_interviews";
}

/* One CSV line into *fl. Returns 0 or -1 after printing FILE:LINE: why. */
static int s_parse_csv(char *line, int need, const char *path, size_t lineno, fields_t *fl)
{
    char *fld[5];
    size_t nf = 0;
    const char *why = NULL;
    if (batch_csv_split(line, fld, 5, &nf, &why) != 0) {
        fprintf(stderr, "bole-batch: %s:%zu: %s\n", path, lineno, why);
        return -1;
    }
    if (nf < (need ? 5u : 4u) || !fld[0][0]) {
        fprintf(stderr, "bole-batch: %s:%zu: expected %s\n", path, lineno,
                need ? "id,title,skills,zone,capacity" : "id,occupation,skills,zone[,max_interviews]");
        return -1;
    }
    fl->id = fld[0];
    fl->name = fld[1];
    fl->zone = fld[3];
    fl->count = nf >= 5 && fld[4][0] ? fld[4] : NULL;
    fl->n_skills = 0;
    if (fld[2][0]) {
        char *p = fld[2];
        while (p && fl->n_skills < MAX_SKILLS) {
            char *q = strchr(p, ';');
            if (q)
                *q++ = '\0';
            if (*p)
                fl->skills[fl->n_skills++] = p;
            p = q;
        }
    }
    return 0;
}

/* One JSON-lines object into *fl; the strings stay in *tree. Returns 0 or
 * -1 after printing FILE:LINE: why. */
static int s_parse_jsonl(const char *line, int need, const char *path, size_t lineno,
                         json_t **tree, fields_t *fl)
{
    char err[256];
    if (json_parse(tree, line, strlen(line), err, sizeof err) != 0) {
        fprintf(stderr, "bole-batch: %s:%zu: %s\n", path, lineno, err);
        return -1;
    }
    const json_t *o = *tree;
    if (o->type != JSON_OBJECT) {
        fprintf(stderr, "bole-batch: %s:%zu: expected one JSON object per line\n", path, lineno);
        return -1;
    }
    const char *cap_name = s_cap_name(need), *name_key = need ? "title" : "occupation";
    memset(fl, 0, sizeof *fl);
    fl->name = fl->zone = "";
    for (size_t i = 0; i < o->n; i++) {
        const char *k = o->keys[i];
        const json_t *v = o->items[i];
        const char **dst = strcmp(k, "id") == 0         ? &fl->id
                           : strcmp(k, name_key) == 0   ? &fl->name
                           : strcmp(k, "zone") == 0     ? &fl->zone
                                                        : NULL;
        if (dst) {
            if (v->type != JSON_STRING || strlen(v->str) != v->len) {
                fprintf(stderr, "bole-batch: %s:%zu: %s: expected a string\n", path, lineno, k);
                return -1;
            }
            *dst = v->str;
        } else if (strcmp(k, "skills") == 0) {
            if (v->type != JSON_ARRAY) {
                fprintf(stderr, "bole-batch: %s:%zu: skills: expected an array of strings\n",
                        path, lineno);
                return -1;
            }
            for (size_t j = 0; j < v->n; j++) {
                if (v->items[j]->type != JSON_STRING || !v->items[j]->str[0]) {
                    fprintf(stderr, "bole-batch: %s:%zu: skills[%zu]: expected a non-empty "
                                    "string\n", path, lineno, j);
                    return -1;
                }
                if (fl->n_skills < MAX_SKILLS)
                    fl->skills[fl->n_skills++] = v->items[j]->str;
            }
        } else if (strcmp(k, cap_name) == 0) {
            if (v->type != JSON_NUMBER || v->num != floor(v->num)) {
                fprintf(stderr, "bole-batch: %s:%zu: %s: expected an integer\n", path, lineno, k);
                return -1;
            }
            if (fabs(v->num) > 1e9)
                snprintf(fl->num, sizeof fl->num, "%.0f", v->num);
            else
                snprintf(fl->num, sizeof fl->num, "%ld", (long)v->num);
            fl->count = fl->num;
        } else {
            fprintf(stderr, "bole-batch: %s:%zu: unknown field \"%s\" (a %s has id, %s, skills, "
                            "zone, %s)\n", path, lineno, k, need ? "booth" : "talent", name_key,
                    cap_name);
            return -1;
        }
    }
    if (!fl->id || !fl->id[0]) {
        fprintf(stderr, "bole-batch: %s:%zu: \"id\" is required\n", path, lineno);
        return -1;
    }
    if (need && !fl->count) {
        fprintf(stderr, "bole-batch: %s:%zu: \"capacity\" is required\n", path, lineno);
        return -1;
    }
    return 0;
}

/* Is `path` JSON lines? By its extension (.jsonl, .ndjson), else by its
 * first non-blank byte being '{'. */
static int s_is_jsonl(const char *path, FILE *f)
{
    size_t n = strlen(path);
    if ((n > 6 && strcmp(path + n - 6, ".jsonl") == 0) ||
        (n > 7 && strcmp(path + n - 7, ".ndjson") == 0))
        return 1;
    int ch;
    while ((ch = fgetc(f)) != EOF && (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'))
        ;
    rewind(f);
    return ch == '{';
}

static void s_free_items(item_t *items, size_t n, int need)
{
    for (size_t i = 0; items && i < n; i++) {
        free(items[i].id);
        free(items[i].vec);
        if (need)
            bole_need_rec_free(items[i].rec);
        else
            bole_talent_rec_free(items[i].rec);
    }
    free(items);
}

/* Reads a CSV or JSON-lines file of talents (need = 0) or booths (need = 1).
 * All or nothing: on any bad line prints FILE:LINE and the reason and
 * returns NULL with nothing kept. */
static item_t *s_read_items(ctx_t *c, const char *path, int need, uint32_t default_cap,
                            size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bole-batch: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    int jsonl = s_is_jsonl(path, f);
    size_t cap = 1024, n = 0, lineno = 0;
    item_t *items = calloc(cap, sizeof *items);
    char *line = malloc(MAX_LINE);
    if (!items || !line) {
        fclose(f);
        free(items);
        free(line);
        return NULL;
    }
    while (fgets(line, MAX_LINE, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == MAX_LINE - 1 && line[len - 1] != '\n' && !feof(f)) {
            fprintf(stderr, "bole-batch: %s:%zu: line longer than %d bytes\n", path, lineno,
                    MAX_LINE - 2);
            goto fail;
        }
        s_chomp(line);
        if (!line[0] || (!jsonl && lineno == 1 && strncmp(line, "id", 2) == 0))
            continue;
        fields_t fl;
        json_t *tree = NULL;
        int prc = jsonl ? s_parse_jsonl(line, need, path, lineno, &tree, &fl)
                        : s_parse_csv(line, need, path, lineno, &fl);
        fl.cap = fl.count ? s_count(fl.count) : (long)default_cap;
        if (prc == 0 && fl.cap < 0) {
            fprintf(stderr, "bole-batch: %s:%zu: %s must be 1-10000 (got '%s')\n", path, lineno,
                    s_cap_name(need), fl.count);
            prc = -1;
        }
        if (prc == 0 && n == cap) {
            cap *= 2;
            item_t *ni = realloc(items, cap * sizeof *ni);
            if (!ni)
                prc = -1;
            else
                items = ni;
        }
        if (prc == 0) {
            memset(&items[n], 0, sizeof items[n]);
            prc = need ? s_make_need(c, &items[n], fl.id, fl.name, fl.skills, fl.n_skills,
                                     fl.zone, (uint32_t)fl.cap)
                       : s_make_talent(c, &items[n], fl.id, fl.name, fl.skills, fl.n_skills,
                                       fl.zone, (uint32_t)fl.cap);
            if (prc != 0) {
                fprintf(stderr, "bole-batch: %s:%zu: cannot build this %s\n", path, lineno,
                        need ? "booth" : "talent");
                n++; /* Partly built: freed below. */
            }
        }
        json_destroy(&tree);
        if (prc != 0)
            goto fail;
        if (!s_quiet && (n + 1) % 10000 == 0) /* The total is unknown while reading. */
            fprintf(stderr, "  %s: %zu\n", need ? "booths read" : "talents read", n + 1);
        n++;
    }
    if (ferror(f)) {
        fprintf(stderr, "bole-batch: %s: read error\n", path);
        goto fail;
    }
    fclose(f);
    free(line);
    *n_out = n;
    return items;
fail:
    fclose(f);
    free(line);
    s_free_items(items, n, need);
    return NULL;
}

/* ---- the O*NET-like generator ----------------------------------------------- */

typedef struct {
    char code[16];
    char *title;
    char *skills[24];
    size_t n_skills;
} occ_t;

static uint64_t s_rng;
static uint32_t s_rand(uint32_t n)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return n ? (uint32_t)(s_rng % n) : 0;
}

static occ_t *s_load_onet(const char *dir, size_t *n_out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/Occupation_Data.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bole-batch: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 2048, n = 0;
    occ_t *occ = calloc(cap, sizeof *occ);
    char *line = malloc(MAX_LINE);
    if (!occ || !line)
        exit(2);
    while (fgets(line, MAX_LINE, f) && n < cap) {
        s_chomp(line);
        char *fld[3];
        if (s_split(line, '\t', fld, 3) < 2 || strcmp(fld[0], "O*NET-SOC Code") == 0)
            continue;
        snprintf(occ[n].code, sizeof occ[n].code, "%s", fld[0]);
        occ[n++].title = s_strdup(fld[1]);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/Technology_Skills.txt", dir);
    f = fopen(path, "r");
    if (f) {
        size_t o = 0;
        while (fgets(line, MAX_LINE, f)) {
            s_chomp(line);
            char *fld[2];
            if (s_split(line, '\t', fld, 2) < 2 || strcmp(fld[0], "O*NET-SOC Code") == 0)
                continue;
            while (o < n && strcmp(occ[o].code, fld[0]) < 0)
                o++;
            if (o < n && strcmp(occ[o].code, fld[0]) == 0 && occ[o].n_skills < 24 &&
                !strchr(fld[1], ','))
                occ[o].skills[occ[o].n_skills++] = s_strdup(fld[1]);
        }
        fclose(f);
    }
    free(line);
    size_t k = 0; /* Keep occupations with at least 4 skills. */
    for (size_t i = 0; i < n; i++) {
        if (occ[i].n_skills >= 4) {
            occ[k++] = occ[i];
            continue;
        }
        free(occ[i].title);
        for (size_t j = 0; j < occ[i].n_skills; j++)
            free(occ[i].skills[j]);
    }
    *n_out = k;
    return occ;
}

static const char *const s_zones[] = {"north", "south", "east", "west", "centre", "port",
                                      "hightech", "oldtown"};

static void s_pick_skills(const occ_t *o, char **out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = o->skills[(i + s_rand(2) * 3) % o->n_skills];
}

static int s_generate(ctx_t *c, const char *onet, size_t T, size_t B, uint32_t max_iv,
                      item_t **tal, item_t **boo)
{
    size_t n_occ = 0;
    occ_t *occ = s_load_onet(onet, &n_occ);
    if (!occ || n_occ == 0) {
        fprintf(stderr, "bole-batch: no usable occupations in %s\n", onet);
        return -1;
    }
    /* Booths draw from a few hundred occupations; talents mostly from the
     * same ones (a fair's audience), a fifth from anywhere. */
    size_t pool = n_occ < 300 ? n_occ : 300;
    uint32_t *booth_occ = malloc(B * sizeof *booth_occ);
    *tal = calloc(T, sizeof **tal);
    *boo = calloc(B, sizeof **boo);
    if (!booth_occ || !*tal || !*boo)
        exit(2);
    for (size_t b = 0; b < B; b++) {
        booth_occ[b] = s_rand((uint32_t)n_occ);
        const occ_t *o = &occ[booth_occ[b]];
        char id[32], *sk[8];
        snprintf(id, sizeof id, "n%05zu", b);
        size_t ns = 4 + s_rand(3);
        s_pick_skills(o, sk, ns);
        if (s_make_need(c, &(*boo)[b], id, o->title, sk, ns, s_zones[s_rand(8)],
                        5 + s_rand(16)) != 0)
            return -1;
        s_progress("booths generated", b, B);
    }
    (void)pool;
    for (size_t t = 0; t < T; t++) {
        const occ_t *o = s_rand(5) == 0 ? &occ[s_rand((uint32_t)n_occ)]
                                        : &occ[booth_occ[s_rand((uint32_t)B)]];
        char id[32], *sk[8];
        snprintf(id, sizeof id, "t%06zu", t);
        size_t ns = 5 + s_rand(4);
        s_pick_skills(o, sk, ns);
        if (s_make_talent(c, &(*tal)[t], id, o->title, sk, ns, s_zones[s_rand(8)], max_iv) != 0)
            return -1;
        s_progress("talents generated", t, T);
    }
    free(booth_occ);
    for (size_t i = 0; i < n_occ; i++) {
        free(occ[i].title);
        for (size_t k = 0; k < occ[i].n_skills; k++)
            free(occ[i].skills[k]);
    }
    free(occ);
    return 0;
}

/* ---- main ------------------------------------------------------------------- */

/* Dot product with eight independent sums: the compiler vectorises it (one
 * serial float sum cannot be reordered), 10 M of them make the candidate
 * graph. */
static float s_dot(const float *x, const float *y, int n)
{
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += x[i + k] * y[i + k];
    float sum = 0;
    for (; i < n; i++)
        sum += x[i] * y[i];
    for (int k = 0; k < 8; k++)
        sum += acc[k];
    return sum;
}

typedef struct {
    uint32_t booth;
    float score;
} cand_t;

static void s_offer(cand_t *h, size_t *n, size_t k, uint32_t booth, float score)
{
    if (*n < k) {
        size_t i = (*n)++;
        while (i > 0 && h[(i - 1) / 2].score > score) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = (cand_t){booth, score};
        return;
    }
    if (k == 0 || score <= h[0].score)
        return;
    size_t i = 0;
    for (;;) {
        size_t ch = 2 * i + 1;
        if (ch >= *n)
            break;
        if (ch + 1 < *n && h[ch + 1].score < h[ch].score)
            ch++;
        if (h[ch].score >= score)
            break;
        h[i] = h[ch];
        i = ch;
    }
    h[i] = (cand_t){booth, score};
}

static int s_run_mode(const char *mode, int stable, const bole_assign_problem_t *p,
                      const item_t *tal, const item_t *boo, const uint32_t *n_cands,
                      uint32_t slots, const char *out_dir)
{
    size_t T = p->n_talents, B = p->n_booths;
    uint8_t *chosen = malloc(p->n_edges + 1);
    if (!chosen)
        return -1;
    double t0 = s_now();
    int rc = stable ? bole_assign_stable(p, chosen) : bole_assign_optimal(p, chosen);
    double t1 = s_now();
    if (rc != 0) {
        free(chosen);
        return -1;
    }
    size_t n = 0;
    for (size_t e = 0; e < p->n_edges; e++)
        n += chosen[e];
    uint32_t *pt = malloc((n + 1) * sizeof *pt), *pb = malloc((n + 1) * sizeof *pb);
    uint32_t *slot = malloc((n + 1) * sizeof *slot), *placed = calloc(T + 1, sizeof *placed);
    float *ps = malloc((n + 1) * sizeof *ps);
    if (!pt || !pb || !slot || !placed || !ps)
        return -1;
    double total = 0;
    size_t k = 0;
    for (size_t e = 0; e < p->n_edges; e++)
        if (chosen[e]) {
            pt[k] = p->edges[e].talent;
            pb[k] = p->edges[e].booth;
            ps[k] = p->edges[e].score;
            total += ps[k];
            placed[pt[k]]++;
            k++;
        }
    uint32_t n_slots = 0;
    double t2 = s_now();
    rc = bole_assign_schedule(T, B, n, pt, pb, ps, slot, &n_slots);
    double t3 = s_now();
    size_t blocking = bole_assign_blocking_pairs(p, chosen);
    size_t placed_n = 0, seats = 0, unscheduled = 0;
    for (size_t t = 0; t < T; t++)
        placed_n += placed[t] > 0;
    for (size_t b = 0; b < B; b++)
        seats += p->booth_cap[b];
    for (size_t i = 0; i < n; i++)
        unscheduled += slots && slot[i] >= slots;
    printf("[%s] assign %.3f s, schedule %.3f s; interviews %zu, total score %.2f, mean %.4f\n",
           mode, t1 - t0, t3 - t2, n, total, n ? total / (double)n : 0.0);
    printf("[%s] talents placed %zu/%zu (%.1f%%), seats filled %zu/%zu (%.1f%%), slots needed %u,"
           " blocking pairs %zu\n",
           mode, placed_n, T, T ? 100.0 * (double)placed_n / (double)T : 0.0, n, seats,
           seats ? 100.0 * (double)n / (double)seats : 0.0, n_slots, blocking);
    if (slots)
        printf("[%s] %zu interviews do not fit the %u slots (listed with slot >= %u)\n", mode,
               unscheduled, slots, slots);
    size_t shown = 0;
    for (size_t t = 0; t < T && shown < 10; t++)
        if (!placed[t]) {
            printf("[%s] unmatched %s: %s\n", mode, tal[t].id,
                   n_cands[t] == 0 ? "no booth scores above min_score"
                   : stable        ? "every candidate booth filled with higher-scored talents"
                                   : "the optimum gave its candidate booths' seats to others");
            shown++;
        }
    if (out_dir && rc == 0) {
        batch_row_t *rows = malloc((n + 1) * sizeof *rows);
        const char **uid = malloc((T + 1) * sizeof *uid), **why = malloc((T + 1) * sizeof *why);
        size_t nu = 0;
        if (!rows || !uid || !why) {
            rc = -1;
        } else {
            for (size_t i = 0; i < n; i++)
                rows[i] = (batch_row_t){tal[pt[i]].id, boo[pb[i]].id, ps[i], slot[i]};
            for (size_t t = 0; t < T; t++)
                if (!placed[t]) {
                    uid[nu] = tal[t].id;
                    why[nu++] = n_cands[t] == 0 ? "no booth scores above min_score"
                                : stable ? "every candidate booth filled with higher-scored talents"
                                         : "the optimum gave its candidate booths' seats to others";
                }
            rc = batch_write_outputs(out_dir, mode, rows, n, uid, why, nu);
        }
        free(rows);
        free(uid);
        free(why);
    }
    free(chosen);
    free(pt);
    free(pb);
    free(slot);
    free(placed);
    free(ps);
    return rc;
}

int main(int argc, char **argv)
{
    const char *talents = NULL, *needs = NULL, *mode = "both", *model_dir = "models",
               *onet = "models/src/onet", *out_dir = NULL, *server = NULL, *event = NULL;
    size_t gen_t = 0, gen_b = 0, cpt = 50;
    int fetch = 0, cpt_given = 0, mode_given = 0;
    long timeout_ms = 300000;
    uint32_t max_iv = 0, slots = 0;
    float min_score = 0;
    s_rng = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(s_usage, stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            s_quiet = 1;
            takes = 0;
        } else if (strcmp(a, "--fetch") == 0) {
            fetch = 1;
            takes = 0;
        } else if (!v) {
            fprintf(stderr, "bole-batch: %s needs a value\n%s", a, s_usage);
            return 2;
        } else if (strcmp(a, "--server") == 0) {
            server = v;
        } else if (strcmp(a, "--event") == 0) {
            event = v;
        } else if (strcmp(a, "--timeout") == 0) {
            timeout_ms = strtol(v, NULL, 10);
            if (timeout_ms < 1 || timeout_ms > 86400000L) {
                fprintf(stderr, "bole-batch: --timeout wants 1-86400000 ms\n");
                return 2;
            }
        } else if (strcmp(a, "--talents") == 0) {
            talents = v;
        } else if (strcmp(a, "--needs") == 0) {
            needs = v;
        } else if (strcmp(a, "--generate") == 0) {
            if (sscanf(v, "%zu:%zu", &gen_t, &gen_b) != 2 || !gen_t || !gen_b) {
                fprintf(stderr, "bole-batch: --generate wants T:B, e.g. 10000:1000\n");
                return 2;
            }
        } else if (strcmp(a, "--seed") == 0) {
            s_rng = strtoull(v, NULL, 10) | 1;
        } else if (strcmp(a, "--mode") == 0) {
            mode = v;
            mode_given = 1;
        } else if (strcmp(a, "--max-interviews") == 0) {
            max_iv = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--candidates") == 0) {
            cpt = strtoul(v, NULL, 10);
            cpt_given = 1;
        } else if (strcmp(a, "--min-score") == 0) {
            min_score = strtof(v, NULL);
        } else if (strcmp(a, "--slots") == 0) {
            slots = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--model-dir") == 0) {
            model_dir = v;
        } else if (strcmp(a, "--onet-dir") == 0) {
            onet = v;
        } else if (strcmp(a, "--out") == 0) {
            out_dir = v;
        } else {
            fprintf(stderr, "bole-batch: unknown option %s\n%s", a, s_usage);
            return 2;
        }
        i += takes;
    }
    if (server || event || fetch) {
        int stable = mode_given && strcmp(mode, "stable") == 0;
        if (!server || !event || !*event || talents || needs || gen_t ||
            (mode_given && !stable && strcmp(mode, "optimal") != 0) ||
            (fetch && mode_given) || cpt > 1000 || !isfinite(min_score)) {
            fprintf(stderr, "bole-batch: server mode wants --server ENDPOINT --event ID, "
                            "--mode optimal|stable (not with --fetch), no input files; "
                            "--candidates 0-1000\n%s", s_usage);
            return 2;
        }
        batch_server_opts_t so = {server, event, stable, fetch, cpt_given ? (uint32_t)cpt : 0,
                                  min_score, (int)timeout_ms, out_dir, s_quiet};
        return batch_server_run(&so);
    }
    int do_opt = strcmp(mode, "optimal") == 0 || strcmp(mode, "both") == 0;
    int do_st = strcmp(mode, "stable") == 0 || strcmp(mode, "both") == 0;
    if ((!do_opt && !do_st) || cpt == 0 || cpt > 1000 || !isfinite(min_score) ||
        (!gen_t && (!talents || !needs))) {
        fprintf(stderr, "bole-batch: give --talents and --needs, or --generate; --mode "
                        "optimal|stable|both; --candidates 1-1000\n%s", s_usage);
        return 2;
    }
    char path[1024], err[512];
    bole_model_t *model = NULL;
    bole_weights_t *weights = NULL;
    snprintf(path, sizeof path, "%s/bole.model", model_dir);
    if (bole_model_open(&model, path, err, sizeof err) != 0) {
        fprintf(stderr, "bole-batch: %s: %s\n", path, err);
        return 1;
    }
    snprintf(path, sizeof path, "%s/weights.conf", model_dir);
    if (bole_weights_load(&weights, path, err, sizeof err) != 0) {
        fprintf(stderr, "bole-batch: %s: %s\n", path, err);
        return 1;
    }
    ctx_t c = {model, bole_intern_new(), bole_model_dim(model)};
    if (!c.names)
        return 2;
    item_t *tal = NULL, *boo = NULL;
    size_t T = 0, B = 0;
    double t0 = s_now();
    if (gen_t) {
        T = gen_t;
        B = gen_b;
        if (s_generate(&c, onet, T, B, max_iv ? max_iv : 5, &tal, &boo) != 0)
            return 1;
    } else {
        tal = s_read_items(&c, talents, 0, max_iv ? max_iv : 3, &T);
        boo = tal ? s_read_items(&c, needs, 1, 1, &B) : NULL;
        if (!tal || !boo)
            return 1;
    }
    double t1 = s_now();
    /* Candidate graph: every pair scored by the rank model; best cpt kept. */
    uint32_t *tcap = malloc((T + 1) * sizeof *tcap), *bcap = malloc((B + 1) * sizeof *bcap);
    uint32_t *n_cands = calloc(T + 1, sizeof *n_cands);
    bole_assign_edge_t *edges = malloc((T * cpt + 1) * sizeof *edges);
    cand_t *heap = malloc((cpt + 1) * sizeof *heap);
    if (!tcap || !bcap || !n_cands || !edges || !heap)
        return 2;
    for (size_t b = 0; b < B; b++)
        bcap[b] = slots && boo[b].cap > slots ? slots : boo[b].cap;
    size_t n_edges = 0;
    int64_t now = 2;
    for (size_t t = 0; t < T; t++) {
        tcap[t] = tal[t].cap;
        size_t nh = 0;
        for (size_t b = 0; b < B; b++) {
            float sim = s_dot(tal[t].vec, boo[b].vec, c.dim);
            float s = bole_rank_score(weights, tal[t].rec, boo[b].rec, sim, now,
                                      BOLE_RANK_NEEDS_FOR_TALENT, NULL);
            if (s != BOLE_RANK_EXCLUDED && s > 0 && s >= min_score)
                s_offer(heap, &nh, cpt, (uint32_t)b, s);
        }
        for (size_t i = 0; i < nh; i++)
            edges[n_edges++] = (bole_assign_edge_t){(uint32_t)t, heap[i].booth, heap[i].score};
        n_cands[t] = (uint32_t)nh;
        s_progress("talents scored", t, T);
    }
    double t2 = s_now();
    printf("event: %zu talents, %zu booths; profiles %.2f s, candidate graph %.2f s "
           "(%zu pairs, %zu per talent)\n",
           T, B, t1 - t0, t2 - t1, n_edges, cpt);
    bole_assign_problem_t p = {T, B, tcap, bcap, edges, n_edges};
    int rc = 0;
    double a0 = s_now();
    if (do_opt && s_run_mode("optimal", 0, &p, tal, boo, n_cands, slots, out_dir) != 0)
        rc = 1;
    if (do_st && s_run_mode("stable", 1, &p, tal, boo, n_cands, slots, out_dir) != 0)
        rc = 1;
    printf("assignment + schedule, all modes: %.3f s\n", s_now() - a0);
    for (size_t t = 0; t < T; t++) {
        free(tal[t].id);
        free(tal[t].vec);
        bole_talent_rec_free(tal[t].rec);
    }
    for (size_t b = 0; b < B; b++) {
        free(boo[b].id);
        free(boo[b].vec);
        bole_need_rec_free(boo[b].rec);
    }
    free(tal);
    free(boo);
    free(tcap);
    free(bcap);
    free(n_cands);
    free(edges);
    free(heap);
    bole_intern_destroy(&c.names);
    bole_weights_destroy(&weights);
    bole_model_destroy(&model);
    return rc;
}
