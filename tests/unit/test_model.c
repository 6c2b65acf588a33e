/* test_model.c -- unit test of daemon/model.c against the shipped model
 * (models/bole.model): loading, dimension, unit-length embeddings, that
 * similar profiles land near each other, sub-word and Chinese fallbacks, and
 * that corrupt, truncated and foreign files are refused. */
#define _POSIX_C_SOURCE 200809L

#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BOLE_SOURCE_DIR
#define BOLE_SOURCE_DIR "."
#endif
#ifndef BOLE_BINARY_DIR
#define BOLE_BINARY_DIR "."
#endif

static int g_failed;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            g_failed++;                                                              \
        }                                                                            \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                           \
    do {                                                                             \
        long long a_ = (long long)(a), b_ = (long long)(b);                          \
        if (a_ != b_) {                                                              \
            fprintf(stderr, "%s:%d: CHECK_INT_EQ(%s, %s): %lld != %lld\n", __FILE__, \
                    __LINE__, #a, #b, a_, b_);                                       \
            g_failed++;                                                              \
        }                                                                            \
    } while (0)

/* a > b, for similarities. */
#define CHECK_GT(a, b)                                                                 \
    do {                                                                               \
        double a_ = (double)(a), b_ = (double)(b);                                     \
        if (!(a_ > b_)) {                                                              \
            fprintf(stderr, "%s:%d: CHECK_GT(%s, %s): %.4f <= %.4f\n", __FILE__,        \
                    __LINE__, #a, #b, a_, b_);                                         \
            g_failed++;                                                                \
        }                                                                              \
    } while (0)

#define CHECK_NEAR(a, b, eps)                                                          \
    do {                                                                               \
        double a_ = (double)(a), b_ = (double)(b);                                     \
        if (!(fabs(a_ - b_) <= (eps))) {                                               \
            fprintf(stderr, "%s:%d: CHECK_NEAR(%s, %s): %.6f vs %.6f\n", __FILE__,      \
                    __LINE__, #a, #b, a_, b_);                                         \
            g_failed++;                                                                \
        }                                                                              \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                    \
    do {                                                                               \
        if (!strstr((hay), (needle))) {                                                \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,       \
                    __LINE__, (hay), (needle));                                        \
            g_failed++;                                                                \
        }                                                                              \
    } while (0)

static const char *g_path = BOLE_SOURCE_DIR "/models/bole.model";

static float dot(const float *a, const float *b, int d)
{
    double s = 0;
    for (int i = 0; i < d; i++)
        s += (double)a[i] * b[i];
    return (float)s;
}

/* Embed; a failure to embed is a test failure. */
static void embed(const bole_model_t *m, const char *title, const bole_model_term_t *skills,
                  size_t n, const char *text, float *out)
{
    bole_model_input_t in = {title, skills, n, text};
    int rc = bole_model_embed(m, &in, out);
    if (rc != 0) {
        fprintf(stderr, "embed(%s, %zu skills, %s) failed\n", title ? title : "-", n,
                text ? text : "-");
        g_failed++;
    }
}

static void test_basics(const bole_model_t *m)
{
    CHECK_INT_EQ(bole_model_dim(m), 128);
    CHECK_CONTAINS(bole_model_version(m), "d128");
    CHECK(bole_model_checksum(m) != 0);
    CHECK(bole_model_vocab_size(m) > 10000);
    CHECK(bole_model_lookup(m, "microsoft excel") >= 0);
    CHECK(bole_model_lookup(m, "python") >= 0);
    CHECK_INT_EQ(bole_model_lookup(m, "zzzz-not-a-token"), -1);

    float v[BOLE_MODEL_MAX_DIM];
    bole_model_term_t sk[] = {{"Microsoft Excel", 3}, {"Critical Thinking", 4}};
    embed(m, "Accountant", sk, 2, "Prepares financial statements.", v);
    CHECK_NEAR(dot(v, v, 128), 1.0, 1e-4);
    embed(m, NULL, NULL, 0, "完全没见过的文字", v);
    CHECK_NEAR(dot(v, v, 128), 1.0, 1e-4);

    /* Nothing embeddable: -1 and a zero vector. */
    bole_model_input_t empty = {"", NULL, 0, " ,. "};
    v[0] = 1;
    CHECK_INT_EQ(bole_model_embed(m, &empty, v), -1);
    CHECK_NEAR(dot(v, v, 128), 0.0, 0);
}

static void test_similarity(const bole_model_t *m)
{
    float q[BOLE_MODEL_MAX_DIM], ds[BOLE_MODEL_MAX_DIM], rn[BOLE_MODEL_MAX_DIM];
    bole_model_term_t sk[] = {{"Python", 4}, {"SQL", 3}};
    embed(m, "Data Scientist", sk, 2, NULL, q);
    embed(m, "Data Scientists", NULL, 0,
          "Develop and implement a set of techniques or analytics applications to transform "
          "raw data into meaningful information using data-oriented programming languages "
          "and visualization software. Apply data mining, data modeling, natural language "
          "processing, and machine learning to extract and analyze information from large "
          "structured and unstructured datasets.", ds);
    embed(m, "Registered Nurses", NULL, 0,
          "Assess patient health problems and needs, develop and implement nursing care "
          "plans, and maintain medical records. Administer nursing care to ill, injured, "
          "convalescent, or disabled patients.", rn);
    CHECK_GT(dot(q, ds, 128), dot(q, rn, 128));
    CHECK_GT(dot(q, ds, 128), 0.3);
}

static void test_subword(const bole_model_t *m)
{
    float typo[BOLE_MODEL_MAX_DIM], py[BOLE_MODEL_MAX_DIM], other[BOLE_MODEL_MAX_DIM];
    bole_model_term_t t1[] = {{"Pythn", 1}}, t2[] = {{"Python", 1}};
    CHECK_INT_EQ(bole_model_lookup(m, "pythn"), -1);  /* really unseen */
    embed(m, NULL, t1, 1, NULL, typo);
    embed(m, NULL, t2, 1, NULL, py);
    float near = dot(typo, py, 128);
    /* Against a range of unrelated words, "Pythn" is nearest to "Python". */
    const char *words[] = {"Forklift", "Nursing", "Welding", "Bookkeeping", "Carpentry",
                           "Pharmacy", "Plumbing", "Choreography"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        bole_model_term_t t3[] = {{words[i], 1}};
        embed(m, NULL, t3, 1, NULL, other);
        CHECK_GT(near, dot(typo, other, 128));
    }
    CHECK_GT(near, 0.3);
}

static void test_chinese(const bole_model_t *m)
{
    float a[BOLE_MODEL_MAX_DIM], b[BOLE_MODEL_MAX_DIM], c[BOLE_MODEL_MAX_DIM];
    const char *t1 = "熟悉数据分析和机器学习，五年软件开发经验。";
    const char *t2 = "负责病房护理工作，持有护士执业证书。";
    embed(m, NULL, NULL, 0, t1, a);
    embed(m, NULL, NULL, 0, t1, b);
    embed(m, NULL, NULL, 0, t2, c);
    CHECK(memcmp(a, b, sizeof(float) * 128) == 0);
    CHECK_NEAR(dot(a, b, 128), 1.0, 1e-4);
    CHECK(dot(a, c, 128) < 0.9f);
    /* Shared characters pull texts together: a near-copy beats a stranger. */
    embed(m, NULL, NULL, 0, "熟悉数据分析和机器学习。", b);
    CHECK_GT(dot(a, b, 128), dot(a, c, 128));
}

/* Copy the model to a temp file, damage it with fn, and expect open to
 * fail with an error mentioning want. */
static void expect_refused(const char *what, void (*fn)(unsigned char *buf, size_t *len),
                           const char *want)
{
    FILE *f = fopen(g_path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n);
    CHECK(buf != NULL);
    if (!buf) {
        fclose(f);
        return;
    }
    CHECK_INT_EQ(fread(buf, 1, (size_t)n, f), n);
    fclose(f);
    size_t len = (size_t)n;
    fn(buf, &len);
    char tmp[] = "/tmp/bole-test-model-XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_INT_EQ(write(fd, buf, len), (long long)len);
        close(fd);
        bole_model_t *m = (bole_model_t *)buf;    /* must be reset to NULL */
        char err[256] = "";
        CHECK_INT_EQ(bole_model_open(&m, tmp, err, sizeof err), -1);
        CHECK(m == NULL);
        CHECK_CONTAINS(err, want);
        if (g_failed)
            fprintf(stderr, "  (%s: %s)\n", what, err);
        unlink(tmp);
    }
    free(buf);
}

static void flip_body_byte(unsigned char *buf, size_t *len) { buf[*len / 2] ^= 0x40; }
static void truncate_half(unsigned char *buf, size_t *len) { (void)buf; *len /= 2; }
static void truncate_tiny(unsigned char *buf, size_t *len) { (void)buf; *len = 100; }
static void bad_magic(unsigned char *buf, size_t *len) { (void)len; memcpy(buf, "NOTBOLE", 8); }

static void test_refusals(void)
{
    expect_refused("flipped byte", flip_body_byte, "checksum mismatch");
    expect_refused("half file", truncate_half, "truncated");
    expect_refused("100 bytes", truncate_tiny, "truncated");
    expect_refused("wrong magic", bad_magic, "bad magic");

    bole_model_t *m = NULL;
    char err[256] = "";
    CHECK_INT_EQ(bole_model_open(&m, BOLE_BINARY_DIR "/no/such/model", err, sizeof err), -1);
    CHECK(m == NULL);
    CHECK_CONTAINS(err, "cannot open");
    bole_model_destroy(&m);                       /* NULL-safe */
    bole_model_destroy(NULL);
}

static void test_text_helpers(void)
{
    char out[64];
    bole_model_norm_name("  Microsoft   EXCEL ", out, sizeof out);
    CHECK(strcmp(out, "microsoft excel") == 0);
    bole_model_norm_name("Node.js", out, sizeof out);
    CHECK(strcmp(out, "node js") == 0);
    char w[] = "technologies";
    bole_model_stem(w, strlen(w));
    CHECK(strcmp(w, "technology") == 0);
    char w2[] = "business";
    bole_model_stem(w2, strlen(w2));
    CHECK(strcmp(w2, "business") == 0);
}

int main(void)
{
    bole_model_t *m = NULL;
    char err[256] = "";
    if (bole_model_open(&m, g_path, err, sizeof err) != 0) {
        fprintf(stderr, "cannot open %s: %s\n", g_path, err);
        return 1;
    }
    test_basics(m);
    test_similarity(m);
    test_subword(m);
    test_chinese(m);
    bole_model_destroy(&m);
    CHECK(m == NULL);
    test_refusals();
    test_text_helpers();
    if (g_failed) {
        fprintf(stderr, "test_model: %d check(s) failed\n", g_failed);
        return 1;
    }
    printf("test_model: all checks passed\n");
    return 0;
}
