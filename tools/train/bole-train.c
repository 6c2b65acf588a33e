/* bole-train -- build Bole's embedding model from O*NET tables.
 *
 * Pipeline (docs/MODEL.md has the reasoning):
 *   1. read occupations, technology and tool names, the 35 broad skills and
 *      title words (occupation titles, the TRAINING split of alternate and
 *      reported titles, descriptions) into a token x occupation count matrix;
 *   2. PPMI with context-distribution smoothing (alpha = 0.75);
 *   3. truncated SVD through the occupation-side Gram matrix G = X'X:
 *      block subspace iteration + Jacobi on the small projected matrix;
 *   4. token vectors = X V S^-1/2 (i.e. U S^1/2), L2-normalised; IDF per token;
 *   5. hashed sub-word buckets: mean vector of the vocabulary words whose
 *      character 3-5-grams fall in the bucket, or a seeded random vector;
 *   6. write the model file (int8 + per-row scale, FNV-1a 64 checksum);
 *   7. a sanity evaluation on the held-out alternate titles.
 * Same input and options give a byte-identical file: no clock, no address
 * or hash-table order reaches the output. */
#define _POSIX_C_SOURCE 200809L

#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HELDOUT_PERCENT 20
#define PPMI_ALPHA      0.75
#define MAX_FIELDS      16

typedef struct {
    const char *src;
    const char *out;
    const char *heldout;
    int         dim;
    uint32_t    buckets;
    uint32_t    seed;
    int         iters;
    int         eval;
} opts_t;

typedef struct {
    uint32_t occ;
    float    c;
} cell_t;

typedef struct {
    char    *s;
    cell_t  *cells;
    uint32_t n, cap;
    int      keep;          /* survives into the vocabulary */
    uint32_t out_id;        /* index in the sorted vocabulary */
} tok_t;

typedef struct {
    char code[16];
    char *title;
} occ_t;

/* ---- globals of this one-shot tool ------------------------------------- */

static occ_t   *g_occ;
static uint32_t g_nocc;
static tok_t   *g_tok;
static uint32_t g_ntok, g_captok;
static uint32_t *g_hash;        /* open addressing: token id + 1, 0 = empty */
static uint32_t g_hashcap;
static double   g_t0;

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static void die(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void phase(const char *fmt, ...) PRINTF_LIKE(1, 2);

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bole-train: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory (%zu bytes)", n);
    return p;
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory (%zu bytes)", n);
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void phase(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("[%6.2fs] ", now() - g_t0);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

/* Deterministic PRNG (xorshift64*). */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static double rng_gauss(uint64_t *s)
{
    double u1 = ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- TSV reading --------------------------------------------------------- */

typedef struct {
    FILE  *f;
    char  *line;
    size_t cap;
    char  *field[MAX_FIELDS];
    int    nf;
    char   path[1024];
} tsv_t;

static int tsv_next(tsv_t *t)
{
    ssize_t n = getline(&t->line, &t->cap, t->f);
    if (n < 0)
        return 0;
    while (n > 0 && (t->line[n - 1] == '\n' || t->line[n - 1] == '\r'))
        t->line[--n] = '\0';
    t->nf = 0;
    char *p = t->line;
    for (;;) {
        if (t->nf < MAX_FIELDS)
            t->field[t->nf++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return 1;
}

static void tsv_open(tsv_t *t, const char *dir, const char *name)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s/%s", dir, name);
    t->f = fopen(t->path, "r");
    if (!t->f)
        die("%s: %s", t->path, strerror(errno));
    if (!tsv_next(t))
        die("%s: empty file", t->path);
}

/* Index of the header column called name; dies if missing. */
static int tsv_col(const tsv_t *t, const char *name)
{
    for (int i = 0; i < t->nf; i++)
        if (strcmp(t->field[i], name) == 0)
            return i;
    die("%s: no column \"%s\"", t->path, name);
    return -1;
}

static void tsv_close(tsv_t *t)
{
    fclose(t->f);
    free(t->line);
}

/* ---- occupations and tokens ---------------------------------------------- */

static long occ_find(const char *code)
{
    size_t lo = 0, hi = g_nocc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(g_occ[mid].code, code);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int occ_cmp(const void *a, const void *b)
{
    return strcmp(((const occ_t *)a)->code, ((const occ_t *)b)->code);
}

static void hash_grow(void)
{
    uint32_t cap = g_hashcap ? g_hashcap * 2 : 1u << 16;
    uint32_t *h = xcalloc(cap, sizeof *h);
    for (uint32_t i = 0; i < g_ntok; i++) {
        uint64_t k = bole_model_fnv64(BOLE_FNV64_INIT, g_tok[i].s, strlen(g_tok[i].s));
        uint32_t j = (uint32_t)k & (cap - 1);
        while (h[j])
            j = (j + 1) & (cap - 1);
        h[j] = i + 1;
    }
    free(g_hash);
    g_hash = h;
    g_hashcap = cap;
}

static uint32_t tok_intern(const char *s)
{
    if ((uint64_t)(g_ntok + 1) * 2 > g_hashcap)
        hash_grow();
    uint64_t k = bole_model_fnv64(BOLE_FNV64_INIT, s, strlen(s));
    uint32_t j = (uint32_t)k & (g_hashcap - 1);
    while (g_hash[j]) {
        if (strcmp(g_tok[g_hash[j] - 1].s, s) == 0)
            return g_hash[j] - 1;
        j = (j + 1) & (g_hashcap - 1);
    }
    if (g_ntok == g_captok) {
        g_captok = g_captok ? g_captok * 2 : 4096;
        g_tok = xrealloc(g_tok, sizeof *g_tok * g_captok);
    }
    tok_t *t = &g_tok[g_ntok];
    memset(t, 0, sizeof *t);
    t->s = xstrdup(s);
    g_hash[j] = g_ntok + 1;
    return g_ntok++;
}

static void tok_add(uint32_t id, uint32_t occ, float c)
{
    tok_t *t = &g_tok[id];
    if (t->n > 0 && t->cells[t->n - 1].occ == occ) {
        t->cells[t->n - 1].c += c;
        return;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4;
        t->cells = xrealloc(t->cells, sizeof *t->cells * t->cap);
    }
    t->cells[t->n].occ = occ;
    t->cells[t->n].c = c;
    t->n++;
}

/* Add the index words of text (stemmed, no stop words) to occupation occ. */
static void add_words(const char *text, uint32_t occ, float w)
{
    char word[BOLE_MODEL_MAX_WORD];
    int ascii;
    size_t len;
    while ((len = bole_model_next_word(&text, word, &ascii)) > 0) {
        if (ascii) {
            if (bole_model_is_stopword(word))
                continue;
            bole_model_stem(word, len);
            if (bole_model_is_stopword(word))
                continue;
        }
        tok_add(tok_intern(word), occ, w);
    }
}

/* Add a whole name ("Microsoft Excel") and, with weight ww, its words. */
static void add_name(const char *name, uint32_t occ, float w, float ww)
{
    char norm[256];
    if (bole_model_norm_name(name, norm, sizeof norm) == 0)
        return;
    tok_add(tok_intern(norm), occ, w);
    if (ww > 0)
        add_words(name, occ, ww);
}

static int is_heldout(const char *code, const char *title)
{
    char norm[256];
    bole_model_norm_name(title, norm, sizeof norm);
    uint64_t h = bole_model_fnv64(BOLE_FNV64_INIT, code, strlen(code));
    h = bole_model_fnv64(h, "\t", 1);
    h = bole_model_fnv64(h, norm, strlen(norm));
    return (h % 100) < HELDOUT_PERCENT;
}

/* ---- the held-out list and the evaluation's occupation profiles ----------- */

typedef struct {
    uint32_t occ;
    char    *title;
} title_t;

static title_t *g_held;
static size_t   g_nheld, g_capheld;

typedef struct {
    bole_model_term_t *terms;
    size_t n, cap;
} occ_skills_t;

static occ_skills_t *g_oskills;

static void oskill_add(uint32_t occ, const char *name, float w)
{
    occ_skills_t *s = &g_oskills[occ];
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->terms = xrealloc(s->terms, sizeof *s->terms * s->cap);
    }
    s->terms[s->n].name = xstrdup(name);
    s->terms[s->n].weight = w;
    s->n++;
}

/* ---- reading the tables ---------------------------------------------------- */

static void read_tables(const opts_t *o)
{
    tsv_t t;
    size_t rows = 0, used = 0, held = 0;

    tsv_open(&t, o->src, "Occupation_Data.txt");
    int c_code = tsv_col(&t, "O*NET-SOC Code"), c_title = tsv_col(&t, "Title");
    int c_desc = tsv_col(&t, "Description");
    size_t cap = 0;
    while (tsv_next(&t)) {
        if (t.nf <= c_desc)
            continue;
        if (g_nocc == cap) {
            cap = cap ? cap * 2 : 1024;
            g_occ = xrealloc(g_occ, sizeof *g_occ * cap);
        }
        snprintf(g_occ[g_nocc].code, sizeof g_occ[g_nocc].code, "%s", t.field[c_code]);
        g_occ[g_nocc].title = xstrdup(t.field[c_title]);
        g_nocc++;
    }
    tsv_close(&t);
    qsort(g_occ, g_nocc, sizeof *g_occ, occ_cmp);
    g_oskills = xcalloc(g_nocc, sizeof *g_oskills);
    /* Titles (weight 3) and descriptions (0.5), again in sorted order. */
    tsv_open(&t, o->src, "Occupation_Data.txt");
    while (tsv_next(&t)) {
        if (t.nf <= c_desc)
            continue;
        long oc = occ_find(t.field[c_code]);
        add_words(t.field[c_title], (uint32_t)oc, 3.0f);
        add_words(t.field[c_desc], (uint32_t)oc, 0.5f);
    }
    tsv_close(&t);
    phase("occupations: %u", g_nocc);

    tsv_open(&t, o->src, "Technology_Skills.txt");
    c_code = tsv_col(&t, "O*NET-SOC Code");
    int c_ex = tsv_col(&t, "Example"), c_hot = tsv_col(&t, "Hot Technology");
    rows = used = 0;
    while (tsv_next(&t)) {
        rows++;
        long oc = t.nf > c_hot ? occ_find(t.field[c_code]) : -1;
        if (oc < 0)
            continue;
        int hot = t.field[c_hot][0] == 'Y';
        add_name(t.field[c_ex], (uint32_t)oc, hot ? 2.0f : 1.0f, 0.5f);
        oskill_add((uint32_t)oc, t.field[c_ex], hot ? 2.0f : 1.0f);
        used++;
    }
    tsv_close(&t);
    phase("technology skills: %zu rows, %zu used", rows, used);

    tsv_open(&t, o->src, "Tools_Used.txt");
    c_code = tsv_col(&t, "O*NET-SOC Code");
    c_ex = tsv_col(&t, "Example");
    rows = used = 0;
    while (tsv_next(&t)) {
        rows++;
        long oc = t.nf > c_ex ? occ_find(t.field[c_code]) : -1;
        if (oc < 0)
            continue;
        add_name(t.field[c_ex], (uint32_t)oc, 1.0f, 0.5f);
        used++;
    }
    tsv_close(&t);
    phase("tools: %zu rows, %zu used", rows, used);

    tsv_open(&t, o->src, "Skills_27x.txt");
    c_code = tsv_col(&t, "O*NET-SOC Code");
    int c_name = tsv_col(&t, "Element Name"), c_im = tsv_col(&t, "Importance");
    rows = used = 0;
    while (tsv_next(&t)) {
        rows++;
        long oc = t.nf > c_im ? occ_find(t.field[c_code]) : -1;
        if (oc < 0)
            continue;
        double im = strtod(t.field[c_im], NULL);
        if (!(im > 1.5))
            continue;
        /* Importance 1-5: only what stands out counts, PPMI does the rest. */
        add_name(t.field[c_name], (uint32_t)oc, (float)(im - 1.5), 0.0f);
        if (im >= 3.0)
            oskill_add((uint32_t)oc, t.field[c_name], (float)((im - 2.0) / 3.0));
        used++;
    }
    tsv_close(&t);
    phase("broad skills: %zu rows, %zu used", rows, used);

    FILE *hf = fopen(o->heldout, "w");
    if (!hf)
        die("%s: %s", o->heldout, strerror(errno));
    fprintf(hf, "O*NET-SOC Code\tAlternate Title\n");
    tsv_open(&t, o->src, "Alternate_Titles.txt");
    c_code = tsv_col(&t, "O*NET-SOC Code");
    c_title = tsv_col(&t, "Alternate Title");
    rows = used = held = 0;
    while (tsv_next(&t)) {
        rows++;
        long oc = t.nf > c_title ? occ_find(t.field[c_code]) : -1;
        if (oc < 0)
            continue;
        if (is_heldout(t.field[c_code], t.field[c_title])) {
            fprintf(hf, "%s\t%s\n", t.field[c_code], t.field[c_title]);
            if (g_nheld == g_capheld) {
                g_capheld = g_capheld ? g_capheld * 2 : 4096;
                g_held = xrealloc(g_held, sizeof *g_held * g_capheld);
            }
            g_held[g_nheld].occ = (uint32_t)oc;
            g_held[g_nheld].title = xstrdup(t.field[c_title]);
            g_nheld++;
            held++;
            continue;
        }
        add_words(t.field[c_title], (uint32_t)oc, 1.0f);
        used++;
    }
    tsv_close(&t);
    if (fclose(hf) != 0)
        die("%s: write failed", o->heldout);
    phase("alternate titles: %zu rows, %zu train, %zu held out -> %s", rows, used, held,
          o->heldout);

    tsv_open(&t, o->src, "Sample_of_Reported_Titles.txt");
    c_code = tsv_col(&t, "O*NET-SOC Code");
    c_title = tsv_col(&t, "Reported Job Title");
    rows = used = 0;
    while (tsv_next(&t)) {
        rows++;
        long oc = t.nf > c_title ? occ_find(t.field[c_code]) : -1;
        /* The same rule as above, so a title held out there is never seen. */
        if (oc < 0 || is_heldout(t.field[c_code], t.field[c_title]))
            continue;
        add_words(t.field[c_title], (uint32_t)oc, 1.0f);
        used++;
    }
    tsv_close(&t);
    phase("reported titles: %zu rows, %zu train; tokens so far: %u", rows, used, g_ntok);
}

/* ---- PPMI ------------------------------------------------------------------- */

static int cell_cmp(const void *a, const void *b)
{
    uint32_t x = ((const cell_t *)a)->occ, y = ((const cell_t *)b)->occ;
    return (x > y) - (x < y);
}

static uint32_t *g_order;       /* token ids sorted by string */

static int order_cmp(const void *a, const void *b)
{
    return strcmp(g_tok[*(const uint32_t *)a].s, g_tok[*(const uint32_t *)b].s);
}

static void ppmi(void)
{
    double *colsum = xcalloc(g_nocc, sizeof *colsum);
    size_t nnz = 0;
    for (uint32_t i = 0; i < g_ntok; i++) {
        tok_t *t = &g_tok[i];
        qsort(t->cells, t->n, sizeof *t->cells, cell_cmp);
        uint32_t k = 0;
        for (uint32_t j = 0; j < t->n; j++) {
            if (k > 0 && t->cells[k - 1].occ == t->cells[j].occ)
                t->cells[k - 1].c += t->cells[j].c;
            else
                t->cells[k++] = t->cells[j];
        }
        t->n = k;
    }
    g_order = xmalloc(sizeof *g_order * g_ntok);
    for (uint32_t i = 0; i < g_ntok; i++)
        g_order[i] = i;
    qsort(g_order, g_ntok, sizeof *g_order, order_cmp);
    for (uint32_t r = 0; r < g_ntok; r++) {
        tok_t *t = &g_tok[g_order[r]];
        for (uint32_t j = 0; j < t->n; j++)
            colsum[t->cells[j].occ] += t->cells[j].c;
    }
    double zsum = 0;
    for (uint32_t o = 0; o < g_nocc; o++)
        zsum += pow(colsum[o], PPMI_ALPHA);
    for (uint32_t r = 0; r < g_ntok; r++) {
        tok_t *t = &g_tok[g_order[r]];
        double rs = 0;
        for (uint32_t j = 0; j < t->n; j++)
            rs += t->cells[j].c;
        uint32_t k = 0;
        for (uint32_t j = 0; j < t->n; j++) {
            double pc = pow(colsum[t->cells[j].occ], PPMI_ALPHA) / zsum;
            double v = log((double)t->cells[j].c / (rs * pc));
            if (v > 0) {
                t->cells[k].occ = t->cells[j].occ;
                t->cells[k].c = (float)v;
                k++;
            }
        }
        t->n = k;
        nnz += k;
    }
    free(colsum);
    phase("ppmi: %u tokens x %u occupations, %zu positive cells", g_ntok, g_nocc, nnz);
}

/* ---- truncated SVD ------------------------------------------------------------ */

/* Orthonormalise the k columns of Q (n x k, row-major) in place with modified
 * Gram-Schmidt (two passes for stability). */
static void orthonormalise(double *q, uint32_t n, uint32_t k)
{
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t j = 0; j < k; j++) {
            for (uint32_t i = 0; i < j; i++) {
                double d = 0;
                for (uint32_t r = 0; r < n; r++)
                    d += q[(size_t)r * k + i] * q[(size_t)r * k + j];
                for (uint32_t r = 0; r < n; r++)
                    q[(size_t)r * k + j] -= d * q[(size_t)r * k + i];
            }
            double s = 0;
            for (uint32_t r = 0; r < n; r++)
                s += q[(size_t)r * k + j] * q[(size_t)r * k + j];
            s = sqrt(s);
            for (uint32_t r = 0; r < n; r++)
                q[(size_t)r * k + j] = s > 1e-300 ? q[(size_t)r * k + j] / s : 0.0;
        }
    }
}

/* Cyclic Jacobi eigen-decomposition of the symmetric k x k matrix a (destroyed).
 * Eigenvalues to w, eigenvectors as the columns of v. */
static void jacobi(double *a, uint32_t k, double *w, double *v)
{
    for (uint32_t i = 0; i < k; i++)
        for (uint32_t j = 0; j < k; j++)
            v[i * k + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, tot = 0;
        for (uint32_t i = 0; i < k; i++)
            for (uint32_t j = 0; j < k; j++) {
                tot += a[i * k + j] * a[i * k + j];
                if (i != j)
                    off += a[i * k + j] * a[i * k + j];
            }
        if (off <= 1e-22 * tot)
            break;
        for (uint32_t p = 0; p < k; p++)
            for (uint32_t q = p + 1; q < k; q++) {
                double apq = a[p * k + q];
                if (fabs(apq) < 1e-300)
                    continue;
                double theta = (a[q * k + q] - a[p * k + p]) / (2 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (uint32_t r = 0; r < k; r++) {
                    double arp = a[r * k + p], arq = a[r * k + q];
                    a[r * k + p] = c * arp - s * arq;
                    a[r * k + q] = s * arp + c * arq;
                }
                for (uint32_t r = 0; r < k; r++) {
                    double apr = a[p * k + r], aqr = a[q * k + r];
                    a[p * k + r] = c * apr - s * aqr;
                    a[q * k + r] = s * apr + c * aqr;
                }
                for (uint32_t r = 0; r < k; r++) {
                    double vrp = v[r * k + p], vrq = v[r * k + q];
                    v[r * k + p] = c * vrp - s * vrq;
                    v[r * k + q] = s * vrp + c * vrq;
                }
            }
    }
    for (uint32_t i = 0; i < k; i++)
        w[i] = a[i * k + i];
}

/* Token vectors (n_tok x dim, row-major, unit length; zero rows for tokens
 * with no positive PPMI cell). */
static float *svd(const opts_t *o, double *top_share)
{
    const uint32_t n = g_nocc;
    uint32_t k = (uint32_t)o->dim + 16;
    if (k > n)
        k = n;
    if ((uint32_t)o->dim > n)
        die("--dim %d exceeds the number of occupations (%u)", o->dim, n);
    double *g = xcalloc((size_t)n * n, sizeof *g);
    for (uint32_t r = 0; r < g_ntok; r++) {
        const tok_t *t = &g_tok[g_order[r]];
        for (uint32_t a = 0; a < t->n; a++) {
            double va = t->cells[a].c;
            double *row = g + (size_t)t->cells[a].occ * n;
            for (uint32_t b = 0; b < t->n; b++)
                row[t->cells[b].occ] += va * t->cells[b].c;
        }
    }
    double trace = 0;
    for (uint32_t i = 0; i < n; i++)
        trace += g[(size_t)i * n + i];
    phase("gram matrix: %u x %u", n, n);

    uint64_t rs = 0x9e3779b97f4a7c15ull ^ o->seed;
    double *q = xmalloc(sizeof *q * n * k), *z = xmalloc(sizeof *z * n * k);
    for (size_t i = 0; i < (size_t)n * k; i++)
        q[i] = rng_gauss(&rs);
    orthonormalise(q, n, k);
    for (int it = 0; it < o->iters; it++) {
        memset(z, 0, sizeof *z * n * k);
        for (uint32_t i = 0; i < n; i++) {
            const double *gr = g + (size_t)i * n;
            double *zr = z + (size_t)i * k;
            for (uint32_t j = 0; j < n; j++) {
                double gij = gr[j];
                if (gij == 0)
                    continue;
                const double *qr = q + (size_t)j * k;
                for (uint32_t c = 0; c < k; c++)
                    zr[c] += gij * qr[c];
            }
        }
        orthonormalise(z, n, k);
        double *tmp = q;
        q = z;
        z = tmp;
    }
    phase("subspace iteration: %d iterations, block %u", o->iters, k);

    /* Rayleigh-Ritz: T = Q'GQ, eigen-decompose, V = Q W. */
    memset(z, 0, sizeof *z * n * k);            /* z = G Q */
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            double gij = g[(size_t)i * n + j];
            if (gij == 0)
                continue;
            for (uint32_t c = 0; c < k; c++)
                z[(size_t)i * k + c] += gij * q[(size_t)j * k + c];
        }
    double *tm = xcalloc((size_t)k * k, sizeof *tm), *w = xmalloc(sizeof *w * k);
    double *wv = xmalloc(sizeof *wv * k * k);
    for (uint32_t a = 0; a < k; a++)
        for (uint32_t b = 0; b < k; b++) {
            double s = 0;
            for (uint32_t i = 0; i < n; i++)
                s += q[(size_t)i * k + a] * z[(size_t)i * k + b];
            tm[a * k + b] = s;
        }
    for (uint32_t a = 0; a < k; a++)           /* exact symmetry */
        for (uint32_t b = a + 1; b < k; b++) {
            double m = 0.5 * (tm[a * k + b] + tm[b * k + a]);
            tm[a * k + b] = tm[b * k + a] = m;
        }
    jacobi(tm, k, w, wv);
    uint32_t *idx = xmalloc(sizeof *idx * k);
    for (uint32_t i = 0; i < k; i++)
        idx[i] = i;
    for (uint32_t i = 1; i < k; i++) {          /* insertion sort, descending */
        uint32_t x = idx[i], j = i;
        while (j > 0 && w[idx[j - 1]] < w[x]) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = x;
    }
    const uint32_t d = (uint32_t)o->dim;
    double *v = xcalloc((size_t)n * d, sizeof *v);  /* V (n x d) scaled by lambda^-1/4 */
    double kept = 0;
    for (uint32_t c = 0; c < d; c++) {
        double lam = w[idx[c]];
        kept += lam > 0 ? lam : 0;
        double f = lam > 1e-12 ? pow(lam, -0.25) : 0.0;
        /* Fix the sign: the largest-magnitude entry positive (deterministic). */
        double big = 0;
        for (uint32_t i = 0; i < n; i++) {
            double x = 0;
            for (uint32_t a = 0; a < k; a++)
                x += q[(size_t)i * k + a] * wv[a * k + idx[c]];
            v[(size_t)i * d + c] = x;
            if (fabs(x) > fabs(big))
                big = x;
        }
        for (uint32_t i = 0; i < n; i++)
            v[(size_t)i * d + c] *= (big < 0 ? -f : f);
    }
    *top_share = trace > 0 ? kept / trace : 0;
    phase("svd: top %u of %u eigenvalues kept, %.1f%% of the spectrum", d, n, 100 * *top_share);

    float *vec = xcalloc((size_t)g_ntok * d, sizeof *vec);
    double *acc = xmalloc(sizeof *acc * d);
    for (uint32_t id = 0; id < g_ntok; id++) {
        const tok_t *t = &g_tok[id];
        memset(acc, 0, sizeof *acc * d);
        for (uint32_t a = 0; a < t->n; a++) {
            const double *vr = v + (size_t)t->cells[a].occ * d;
            for (uint32_t c = 0; c < d; c++)
                acc[c] += t->cells[a].c * vr[c];
        }
        double s = 0;
        for (uint32_t c = 0; c < d; c++)
            s += acc[c] * acc[c];
        s = sqrt(s);
        if (s > 1e-9)
            for (uint32_t c = 0; c < d; c++)
                vec[(size_t)id * d + c] = (float)(acc[c] / s);
    }
    free(acc);
    free(v);
    free(idx);
    free(wv);
    free(w);
    free(tm);
    free(z);
    free(q);
    free(g);
    return vec;
}

/* ---- writing the model -------------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t n, cap;
} buf_t;

static size_t buf_reserve(buf_t *b, size_t n, size_t align)
{
    while (b->n % align)
        b->n++;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 20;
        while (cap < b->n + n)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        memset(b->p + b->cap, 0, cap - b->cap);
        b->cap = cap;
    }
    size_t off = b->n;
    b->n += n;
    return off;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void putf(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    put32(p, u);
}

/* Quantise one row to int8 with a scale; returns the scale. */
static float quantise(const float *v, int d, int8_t *q)
{
    float mx = 0;
    for (int i = 0; i < d; i++)
        if (fabsf(v[i]) > mx)
            mx = fabsf(v[i]);
    if (mx == 0) {
        memset(q, 0, (size_t)d);
        return 0;
    }
    float sc = mx / 127.0f;
    for (int i = 0; i < d; i++) {
        float x = floorf(v[i] / sc + 0.5f);
        q[i] = (int8_t)(x > 127 ? 127 : x < -127 ? -127 : x);
    }
    return sc;
}

static int float_cmp(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static size_t write_model(const opts_t *o, const float *vec, double top_share)
{
    const int d = o->dim;
    /* Vocabulary: tokens with a vector, in string order (g_order). */
    uint32_t nv = 0;
    for (uint32_t r = 0; r < g_ntok; r++) {
        tok_t *t = &g_tok[g_order[r]];
        double s = 0;
        for (int c = 0; c < d; c++)
            s += (double)vec[(size_t)g_order[r] * d + c] * vec[(size_t)g_order[r] * d + c];
        t->keep = s > 0.5 && strlen(t->s) < 256;
        if (t->keep)
            t->out_id = nv++;
    }
    /* IDF over the training occupations; the OOV weight is the median. */
    float *idf = xmalloc(sizeof *idf * nv), *sorted = xmalloc(sizeof *sorted * nv);
    for (uint32_t r = 0; r < g_ntok; r++) {
        const tok_t *t = &g_tok[g_order[r]];
        if (!t->keep)
            continue;
        float x = (float)(log((double)(g_nocc + 1) / (double)(t->n + 1)) + 1.0);
        idf[t->out_id] = x;
        sorted[t->out_id] = x;
    }
    qsort(sorted, nv, sizeof *sorted, float_cmp);
    float oov_idf = sorted[nv / 2];

    /* Sub-word buckets: the mean of the unit vectors of vocabulary words
     * (single ASCII words) whose n-grams hash there. */
    const uint32_t nb = o->buckets;
    float *bv = xcalloc((size_t)nb * d, sizeof *bv);
    uint32_t *bc = xcalloc(nb, sizeof *bc);
    uint32_t grams[3 * (BOLE_MODEL_MAX_WORD + 2)];
    for (uint32_t r = 0; r < g_ntok; r++) {
        const tok_t *t = &g_tok[g_order[r]];
        if (!t->keep || strchr(t->s, ' '))
            continue;
        int ascii = 1;
        for (const char *p = t->s; *p; p++)
            if ((unsigned char)*p >= 0x80)
                ascii = 0;
        if (!ascii)
            continue;
        size_t ng = bole_model_ngram_buckets(t->s, strlen(t->s), o->seed, nb, grams,
                                             sizeof grams / sizeof grams[0]);
        const float *tv = vec + (size_t)g_order[r] * d;
        for (size_t i = 0; i < ng; i++) {
            float *b = bv + (size_t)grams[i] * d;
            for (int c = 0; c < d; c++)
                b[c] += tv[c];
            bc[grams[i]]++;
        }
    }
    uint32_t touched = 0;
    float *norms = xmalloc(sizeof *norms * nb);
    for (uint32_t i = 0; i < nb; i++) {
        if (!bc[i])
            continue;
        float *b = bv + (size_t)i * d;
        double s = 0;
        for (int c = 0; c < d; c++) {
            b[c] /= (float)bc[i];
            s += (double)b[c] * b[c];
        }
        norms[touched++] = (float)sqrt(s);
    }
    qsort(norms, touched, sizeof *norms, float_cmp);
    float rnorm = touched ? norms[touched / 2] : 1.0f;
    for (uint32_t i = 0; i < nb; i++) {
        if (bc[i])
            continue;
        uint64_t rs = ((uint64_t)o->seed << 32 | i) * 0x9e3779b97f4a7c15ull + 1;
        float *b = bv + (size_t)i * d;
        double s = 0;
        for (int c = 0; c < d; c++) {
            b[c] = (float)rng_gauss(&rs);
            s += (double)b[c] * b[c];
        }
        s = sqrt(s);
        for (int c = 0; c < d; c++)
            b[c] = (float)(b[c] / s * rnorm);
    }
    phase("sub-word buckets: %u, %u touched by vocabulary words, %u random (norm %.3f)", nb,
          touched, nb - touched, (double)rnorm);

    /* Lay out the file. */
    buf_t b = {0};
    buf_reserve(&b, 256, 8);
    size_t o_index = buf_reserve(&b, (size_t)nv * 4, 8);
    size_t str_size = 0;
    for (uint32_t r = 0; r < g_ntok; r++)
        if (g_tok[g_order[r]].keep)
            str_size += strlen(g_tok[g_order[r]].s) + 1;
    size_t o_str = buf_reserve(&b, str_size, 8);
    size_t pos = 0;
    for (uint32_t r = 0; r < g_ntok; r++) {
        const tok_t *t = &g_tok[g_order[r]];
        if (!t->keep)
            continue;
        size_t l = strlen(t->s) + 1;
        put32(b.p + o_index + (size_t)t->out_id * 4, (uint32_t)pos);
        memcpy(b.p + o_str + pos, t->s, l);
        pos += l;
    }
    size_t o_tscale = buf_reserve(&b, (size_t)nv * 4, 8);
    size_t o_tvec = buf_reserve(&b, (size_t)nv * d, 8);
    for (uint32_t r = 0; r < g_ntok; r++) {
        const tok_t *t = &g_tok[g_order[r]];
        if (!t->keep)
            continue;
        float sc = quantise(vec + (size_t)g_order[r] * d, d,
                            (int8_t *)(void *)(b.p + o_tvec + (size_t)t->out_id * d));
        putf(b.p + o_tscale + (size_t)t->out_id * 4, sc);
    }
    size_t o_tidf = buf_reserve(&b, (size_t)nv * 4, 8);
    for (uint32_t i = 0; i < nv; i++)
        putf(b.p + o_tidf + (size_t)i * 4, idf[i]);
    size_t o_bscale = buf_reserve(&b, (size_t)nb * 4, 8);
    size_t o_bvec = buf_reserve(&b, (size_t)nb * d, 8);
    for (uint32_t i = 0; i < nb; i++) {
        float sc = quantise(bv + (size_t)i * d, d, (int8_t *)(void *)(b.p + o_bvec + (size_t)i * d));
        putf(b.p + o_bscale + (size_t)i * 4, sc);
    }
    char info[512];
    snprintf(info, sizeof info,
             "source=O*NET 29.2 (Occupation_Data, Technology_Skills, Tools_Used, "
             "Alternate_Titles train split, Sample_of_Reported_Titles) + O*NET 27.x Skills; "
             "method=PPMI(alpha=%.2f) + truncated SVD (subspace iteration, %d iters, p=0.5); "
             "dim=%d; tokens=%u; buckets=%u; ngrams=3-5; seed=%u; heldout=%d%%; "
             "spectrum kept=%.3f; quant=int8+scale",
             PPMI_ALPHA, o->iters, d, nv, nb, o->seed, HELDOUT_PERCENT, top_share);
    size_t info_size = strlen(info) + 1;
    size_t o_info = buf_reserve(&b, info_size, 8);
    memcpy(b.p + o_info, info, info_size);
    while (b.n % 8)
        buf_reserve(&b, 1, 1);

    unsigned char *h = b.p;
    memcpy(h, BOLE_MODEL_MAGIC, 8);
    put32(h + 8, BOLE_MODEL_FORMAT);
    put32(h + 12, 256);
    put64(h + 24, b.n);
    put32(h + 32, 0x01020304u);
    put32(h + 36, (uint32_t)d);
    put32(h + 40, nv);
    put32(h + 44, nb);
    put32(h + 48, o->seed);
    put32(h + 52, 3);
    put32(h + 56, 5);
    putf(h + 60, oov_idf);
    put64(h + 64, o_index);
    put64(h + 72, o_str);
    put64(h + 80, str_size);
    put64(h + 88, o_tscale);
    put64(h + 96, o_tvec);
    put64(h + 104, o_tidf);
    put64(h + 112, o_bscale);
    put64(h + 120, o_bvec);
    snprintf((char *)h + 128, 32, "onet29.2-ppmi-svd-d%d-v1", d);
    put64(h + 160, o_info);
    put64(h + 168, info_size);
    put64(h + 16, bole_model_fnv64(BOLE_FNV64_INIT, h + 24, b.n - 24));

    FILE *f = fopen(o->out, "wb");
    if (!f)
        die("%s: %s", o->out, strerror(errno));
    if (fwrite(b.p, 1, b.n, f) != b.n || fclose(f) != 0)
        die("%s: write failed", o->out);
    phase("wrote %s: %zu bytes, %u tokens, dim %d", o->out, b.n, nv, d);
    size_t total = b.n;
    free(b.p);
    free(norms);
    free(bc);
    free(bv);
    free(sorted);
    free(idf);
    return total;
}

/* ---- sanity evaluation ---------------------------------------------------------- */

static void evaluate(const opts_t *o, double *top1, double *top10)
{
    bole_model_t *m = NULL;
    char err[256];
    if (bole_model_open(&m, o->out, err, sizeof err) != 0)
        die("reloading the model: %s", err);
    const int d = bole_model_dim(m);
    float *ov = xcalloc((size_t)g_nocc * d, sizeof *ov);
    for (uint32_t i = 0; i < g_nocc; i++) {
        bole_model_input_t in = {g_occ[i].title, g_oskills[i].terms, g_oskills[i].n, NULL};
        bole_model_embed(m, &in, ov + (size_t)i * d);
    }
    float *q = xmalloc(sizeof *q * d);
    size_t n = 0, hit1 = 0, hit10 = 0;
    for (size_t h = 0; h < g_nheld; h++) {
        bole_model_input_t in = {g_held[h].title, NULL, 0, NULL};
        if (bole_model_embed(m, &in, q) != 0) {
            n++;                                /* counts as a miss */
            continue;
        }
        float own = 0;
        const float *tv = ov + (size_t)g_held[h].occ * d;
        for (int c = 0; c < d; c++)
            own += q[c] * tv[c];
        size_t better = 0;
        for (uint32_t i = 0; i < g_nocc && better < 10; i++) {
            if (i == g_held[h].occ)
                continue;
            float s = 0;
            const float *v = ov + (size_t)i * d;
            for (int c = 0; c < d; c++)
                s += q[c] * v[c];
            if (s > own || (s == own && i < g_held[h].occ))
                better++;
        }
        n++;
        hit1 += better == 0;
        hit10 += better < 10;
    }
    *top1 = n ? (double)hit1 / (double)n : 0;
    *top10 = n ? (double)hit10 / (double)n : 0;
    phase("sanity evaluation: %zu held-out alternate titles -> own occupation among %u: "
          "top-1 %.3f, top-10 %.3f", n, g_nocc, *top1, *top10);
    free(q);
    free(ov);
    bole_model_destroy(&m);
}

/* ---- main ----------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bole-train [options]\n"
            "Build Bole's embedding model from O*NET tables (docs/MODEL.md).\n\n"
            "  --src DIR        O*NET tables (default models/src/onet)\n"
            "  --out FILE       model file to write (default models/bole.model)\n"
            "  --heldout FILE   held-out alternate titles to write\n"
            "                   (default models/src/heldout_titles.tsv)\n"
            "  --dim N          vector dimension, 8-1024 (default 128)\n"
            "  --buckets N      sub-word hash buckets, a power of two (default 32768)\n"
            "  --seed N         seed of every random choice (default 20250201)\n"
            "  --iters N        subspace iterations of the SVD (default 12)\n"
            "  --no-eval        skip the held-out sanity evaluation\n"
            "  --help           this text\n");
}

static long parse_num(const char *flag, const char *v, long lo, long hi)
{
    char *end;
    errno = 0;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || errno || *end || x < lo || x > hi)
        die("%s wants a number in [%ld, %ld]", flag, lo, hi);
    return x;
}

int main(int argc, char **argv)
{
    opts_t o = {"models/src/onet", "models/bole.model", "models/src/heldout_titles.tsv",
                128, 32768, 20250201u, 12, 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--src") == 0 && v) {
            o.src = v;
            i++;
        } else if (strcmp(a, "--out") == 0 && v) {
            o.out = v;
            i++;
        } else if (strcmp(a, "--heldout") == 0 && v) {
            o.heldout = v;
            i++;
        } else if (strcmp(a, "--dim") == 0) {
            o.dim = (int)parse_num(a, v, 8, BOLE_MODEL_MAX_DIM);
            i++;
        } else if (strcmp(a, "--buckets") == 0) {
            o.buckets = (uint32_t)parse_num(a, v, 1024, 1 << 22);
            if (o.buckets & (o.buckets - 1))
                die("--buckets must be a power of two");
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            o.seed = (uint32_t)parse_num(a, v, 0, 0xffffffffL);
            i++;
        } else if (strcmp(a, "--iters") == 0) {
            o.iters = (int)parse_num(a, v, 1, 200);
            i++;
        } else if (strcmp(a, "--no-eval") == 0) {
            o.eval = 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    g_t0 = now();
    phase("bole-train: src %s, dim %d, buckets %u, seed %u", o.src, o.dim, o.buckets, o.seed);
    read_tables(&o);
    ppmi();
    double share = 0;
    float *vec = svd(&o, &share);
    size_t bytes = write_model(&o, vec, share);
    double t1 = -1, t10 = -1;
    if (o.eval)
        evaluate(&o, &t1, &t10);
    printf("summary: model %s (%zu bytes), %u occupations, %zu held-out titles, "
           "%.1f s", o.out, bytes, g_nocc, g_nheld, now() - g_t0);
    if (o.eval)
        printf(", held-out title -> occupation top-1 %.3f top-10 %.3f", t1, t10);
    printf("\n");

    free(vec);
    for (uint32_t i = 0; i < g_ntok; i++) {
        free(g_tok[i].s);
        free(g_tok[i].cells);
    }
    for (uint32_t i = 0; i < g_nocc; i++) {
        free(g_occ[i].title);
        for (size_t j = 0; j < g_oskills[i].n; j++)
            free((char *)(uintptr_t)g_oskills[i].terms[j].name);
        free(g_oskills[i].terms);
    }
    for (size_t i = 0; i < g_nheld; i++)
        free(g_held[i].title);
    free(g_held);
    free(g_oskills);
    free(g_occ);
    free(g_tok);
    free(g_hash);
    free(g_order);
    return 0;
}
