/* model.c -- load a Bole model file (mmap + full validation) and embed
 * profiles with it. Format: docs/MODEL.md. Design notes: model.h.
 *
 * Everything a call needs lives on its stack or in a per-call allocation,
 * so concurrent readers of one model never write shared memory. */
#define _POSIX_C_SOURCE 200809L

#include "model.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Header layout: fixed little-endian fields at fixed offsets. */
#define H_SIZE          256u
#define H_MAGIC         0u
#define H_FORMAT        8u
#define H_HSIZE         12u
#define H_CHECKSUM      16u
#define H_FILESIZE      24u     /* the checksum covers [24, file size) */
#define H_ENDIAN        32u
#define H_DIM           36u
#define H_NTOK          40u
#define H_NBKT          44u
#define H_SEED          48u
#define H_NGMIN         52u
#define H_NGMAX         56u
#define H_OOVIDF        60u
#define H_OFF_INDEX     64u
#define H_OFF_STRINGS   72u
#define H_STRINGS_SIZE  80u
#define H_OFF_TSCALE    88u
#define H_OFF_TVEC      96u
#define H_OFF_TIDF      104u
#define H_OFF_BSCALE    112u
#define H_OFF_BVEC      120u
#define H_VERSION       128u    /* char[32], NUL-terminated */
#define H_OFF_INFO      160u
#define H_INFO_SIZE     168u
#define H_VERSION_LEN   32u
#define BOLE_ENDIAN_TAG 0x01020304u

/* Relative weights of the three parts of a profile (docs/MODEL.md). */
#define W_SKILLS        1.0f
#define W_TITLE         0.7f
#define W_TEXT          0.5f
#define W_CJK_GRAM      0.5f    /* each CJK uni-/bi-gram, times the OOV IDF */
#define MAX_TEXT_WORDS  4096    /* words of one text field that are read */
#define MAX_PHRASE      4       /* longest multi-word name matched in text */

struct bole_model {
    void           *map;        /* whole file, read-only */
    size_t          size;
    int             dim;
    uint32_t        n_tok;
    uint32_t        n_bkt;
    uint32_t        seed;
    float           oov_idf;    /* weight of a word found only by sub-words */
    uint64_t        checksum;
    const uint32_t *index;      /* n_tok offsets into strings, sorted order */
    const char     *strings;
    const float    *tscale;     /* per-token dequantisation scale */
    const int8_t   *tvec;       /* n_tok x dim */
    const float    *tidf;
    const float    *bscale;
    const int8_t   *bvec;       /* n_bkt x dim */
    char            version[H_VERSION_LEN];
    const char     *info;       /* NUL-terminated inside the map */
};

/* ---- small helpers ------------------------------------------------------ */

#if defined(__GNUC__) || defined(__clang__)
#define S_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define S_PRINTF(f, a)
#endif

static void s_err(char *err, size_t errlen, const char *fmt, ...) S_PRINTF(3, 4);

static void s_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static uint32_t s_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t s_u64(const unsigned char *p)
{
    return (uint64_t)s_u32(p) | (uint64_t)s_u32(p + 4) << 32;
}

uint64_t bole_model_fnv64(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint32_t s_fnv32(uint32_t seed, const char *s, size_t len)
{
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    /* Final avalanche so that short grams spread over all buckets. */
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return h;
}

/* Check that [off, off + count*elem) lies inside the file, after the
 * header, aligned to align. */
static int s_section_ok(uint64_t size, uint64_t off, uint64_t count, uint64_t elem,
                        uint64_t align)
{
    if (off < H_SIZE || off > size || off % align != 0)
        return 0;
    if (elem != 0 && count > (size - off) / elem)
        return 0;
    return 1;
}

/* ---- open / destroy ----------------------------------------------------- */

int bole_model_open(bole_model_t **out, const char *path, char *err, size_t errlen)
{
    bole_model_t *m = NULL;
    int fd = -1;
    *out = NULL;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        s_err(err, errlen, "model %s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        s_err(err, errlen, "model %s: cannot stat: %s", path, strerror(errno));
        goto fail;
    }
    if (st.st_size < (off_t)H_SIZE) {
        s_err(err, errlen, "model %s: truncated (%lld bytes, header needs %u)", path,
              (long long)st.st_size, H_SIZE);
        goto fail;
    }
    m = calloc(1, sizeof *m);
    if (!m) {
        s_err(err, errlen, "model %s: out of memory", path);
        goto fail;
    }
    m->size = (size_t)st.st_size;
    m->map = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m->map == MAP_FAILED) {
        m->map = NULL;
        s_err(err, errlen, "model %s: mmap failed: %s", path, strerror(errno));
        goto fail;
    }
    close(fd);
    fd = -1;

    const unsigned char *b = m->map;
    if (memcmp(b + H_MAGIC, BOLE_MODEL_MAGIC, 8) != 0) {
        s_err(err, errlen, "model %s: bad magic (not a Bole model file)", path);
        goto fail;
    }
    uint32_t fmt = s_u32(b + H_FORMAT);
    if (fmt != BOLE_MODEL_FORMAT) {
        s_err(err, errlen, "model %s: format version %u, this build reads %u", path, fmt,
              BOLE_MODEL_FORMAT);
        goto fail;
    }
    if (s_u32(b + H_HSIZE) != H_SIZE || s_u32(b + H_ENDIAN) != BOLE_ENDIAN_TAG) {
        s_err(err, errlen, "model %s: unsupported header size or byte order", path);
        goto fail;
    }
    uint64_t fsize = s_u64(b + H_FILESIZE);
    if (fsize != (uint64_t)m->size) {
        s_err(err, errlen, "model %s: truncated or extended (header says %llu bytes, file has %zu)",
              path, (unsigned long long)fsize, m->size);
        goto fail;
    }
    m->checksum = s_u64(b + H_CHECKSUM);
    uint64_t sum = bole_model_fnv64(BOLE_FNV64_INIT, b + H_FILESIZE, m->size - H_FILESIZE);
    if (sum != m->checksum) {
        s_err(err, errlen, "model %s: checksum mismatch (stored %016llx, computed %016llx): "
              "file is corrupt", path, (unsigned long long)m->checksum, (unsigned long long)sum);
        goto fail;
    }

    uint32_t dim = s_u32(b + H_DIM);
    m->n_tok = s_u32(b + H_NTOK);
    m->n_bkt = s_u32(b + H_NBKT);
    m->seed = s_u32(b + H_SEED);
    uint32_t ngmin = s_u32(b + H_NGMIN), ngmax = s_u32(b + H_NGMAX);
    memcpy(&m->oov_idf, b + H_OOVIDF, sizeof m->oov_idf);
    if (dim == 0 || dim > BOLE_MODEL_MAX_DIM || m->n_tok == 0 || m->n_bkt == 0 ||
        ngmin != 3 || ngmax != 5 || !isfinite(m->oov_idf) || m->oov_idf < 0) {
        s_err(err, errlen, "model %s: bad parameters (dim %u, tokens %u, buckets %u, "
              "n-grams %u-%u)", path, dim, m->n_tok, m->n_bkt, ngmin, ngmax);
        goto fail;
    }
    m->dim = (int)dim;

    uint64_t sz = m->size;
    uint64_t o_index = s_u64(b + H_OFF_INDEX), o_str = s_u64(b + H_OFF_STRINGS);
    uint64_t str_size = s_u64(b + H_STRINGS_SIZE);
    uint64_t o_tscale = s_u64(b + H_OFF_TSCALE), o_tvec = s_u64(b + H_OFF_TVEC);
    uint64_t o_tidf = s_u64(b + H_OFF_TIDF), o_bscale = s_u64(b + H_OFF_BSCALE);
    uint64_t o_bvec = s_u64(b + H_OFF_BVEC);
    uint64_t o_info = s_u64(b + H_OFF_INFO), info_size = s_u64(b + H_INFO_SIZE);
    if (!s_section_ok(sz, o_index, m->n_tok, 4, 4) || !s_section_ok(sz, o_str, str_size, 1, 1) ||
        !s_section_ok(sz, o_tscale, m->n_tok, 4, 4) ||
        !s_section_ok(sz, o_tvec, m->n_tok, dim, 1) || !s_section_ok(sz, o_tidf, m->n_tok, 4, 4) ||
        !s_section_ok(sz, o_bscale, m->n_bkt, 4, 4) ||
        !s_section_ok(sz, o_bvec, m->n_bkt, dim, 1) || !s_section_ok(sz, o_info, info_size, 1, 1) ||
        str_size == 0 || info_size == 0) {
        s_err(err, errlen, "model %s: a section lies outside the file or is misaligned", path);
        goto fail;
    }
    m->index = (const uint32_t *)(const void *)(b + o_index);
    m->strings = (const char *)(b + o_str);
    m->tscale = (const float *)(const void *)(b + o_tscale);
    m->tvec = (const int8_t *)(b + o_tvec);
    m->tidf = (const float *)(const void *)(b + o_tidf);
    m->bscale = (const float *)(const void *)(b + o_bscale);
    m->bvec = (const int8_t *)(b + o_bvec);
    m->info = (const char *)(b + o_info);
    if (m->strings[str_size - 1] != '\0' || m->info[info_size - 1] != '\0') {
        s_err(err, errlen, "model %s: string section not NUL-terminated", path);
        goto fail;
    }
    memcpy(m->version, b + H_VERSION, H_VERSION_LEN);
    if (m->version[H_VERSION_LEN - 1] != '\0') {
        s_err(err, errlen, "model %s: version string not NUL-terminated", path);
        goto fail;
    }
    /* Every token string inside the section, strictly increasing (binary
     * search depends on it), with finite scales and IDFs. */
    for (uint32_t i = 0; i < m->n_tok; i++) {
        if (m->index[i] >= str_size) {
            s_err(err, errlen, "model %s: token %u points outside the strings", path, i);
            goto fail;
        }
        if (i > 0 && strcmp(m->strings + m->index[i - 1], m->strings + m->index[i]) >= 0) {
            s_err(err, errlen, "model %s: vocabulary not sorted at token %u", path, i);
            goto fail;
        }
        if (!isfinite(m->tscale[i]) || !isfinite(m->tidf[i]) || m->tidf[i] < 0) {
            s_err(err, errlen, "model %s: token %u has a non-finite scale or IDF", path, i);
            goto fail;
        }
    }
    for (uint32_t i = 0; i < m->n_bkt; i++) {
        if (!isfinite(m->bscale[i])) {
            s_err(err, errlen, "model %s: bucket %u has a non-finite scale", path, i);
            goto fail;
        }
    }
    *out = m;
    return 0;

fail:
    if (fd >= 0)
        close(fd);
    bole_model_destroy(&m);
    return -1;
}

void bole_model_destroy(bole_model_t **model)
{
    if (!model || !*model)
        return;
    bole_model_t *m = *model;
    if (m->map)
        munmap(m->map, m->size);
    free(m);
    *model = NULL;
}

int bole_model_dim(const bole_model_t *model) { return model->dim; }
const char *bole_model_version(const bole_model_t *model) { return model->version; }
const char *bole_model_buildinfo(const bole_model_t *model) { return model->info; }
uint64_t bole_model_checksum(const bole_model_t *model) { return model->checksum; }
size_t bole_model_vocab_size(const bole_model_t *model) { return model->n_tok; }

long bole_model_lookup(const bole_model_t *model, const char *token)
{
    size_t lo = 0, hi = model->n_tok;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(model->strings + model->index[mid], token);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ---- text helpers ------------------------------------------------------- */

static int s_is_word_ascii(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '#';
}

/* Decode one UTF-8 code point at s (n bytes available). Returns its byte
 * length (0 if invalid) and stores the code point. */
static size_t s_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    size_t len;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2;
        v = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        v = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
        v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* Non-ASCII code points that separate words: general and CJK punctuation,
 * full-width punctuation, no-break and ideographic spaces. */
static int s_is_sep_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0xbf) || (cp >= 0x2000 && cp <= 0x206f) ||
           (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff01 && cp <= 0xff0f) ||
           (cp >= 0xff1a && cp <= 0xff20) || (cp >= 0xff3b && cp <= 0xff40) ||
           (cp >= 0xff5b && cp <= 0xff65);
}

size_t bole_model_next_word(const char **p, char buf[BOLE_MODEL_MAX_WORD], int *is_ascii)
{
    const unsigned char *s = (const unsigned char *)*p;
    size_t n = strlen(*p);
    size_t i = 0, len = 0;
    buf[0] = '\0';
    /* Skip separators. */
    while (i < n) {
        uint32_t cp;
        if (s[i] < 0x80) {
            if (s_is_word_ascii(s[i]))
                break;
            i++;
            continue;
        }
        size_t l = s_utf8(s + i, n - i, &cp);
        if (l == 0) {
            i++;                                /* invalid byte: skip it */
            continue;
        }
        if (!s_is_sep_cp(cp))
            break;
        i += l;
    }
    if (i >= n) {
        *p = (const char *)(s + n);
        return 0;
    }
    if (s[i] < 0x80) {
        *is_ascii = 1;
        while (i < n && s[i] < 0x80 && s_is_word_ascii(s[i])) {
            if (len < BOLE_MODEL_MAX_WORD - 1) {
                unsigned char c = s[i];
                buf[len++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
            }
            i++;
        }
    } else {
        *is_ascii = 0;
        while (i < n && s[i] >= 0x80) {
            uint32_t cp;
            size_t l = s_utf8(s + i, n - i, &cp);
            if (l == 0 || s_is_sep_cp(cp))
                break;
            if (len + l <= BOLE_MODEL_MAX_WORD - 1) {
                memcpy(buf + len, s + i, l);
                len += l;
            }
            i += l;
        }
        if (len == 0) {                         /* only an invalid byte left */
            *p = (const char *)(s + i + 1);
            return bole_model_next_word(p, buf, is_ascii);
        }
    }
    buf[len] = '\0';
    *p = (const char *)(s + i);
    return len;
}

size_t bole_model_stem(char *word, size_t len)
{
    if (len > 4 && strcmp(word + len - 3, "ies") == 0) {
        word[len - 3] = 'y';
        word[len - 2] = '\0';
        return len - 2;
    }
    if (len > 3 && word[len - 1] == 's' && word[len - 2] != 's' && word[len - 2] != 'u' &&
        word[len - 2] != 'i') {
        word[len - 1] = '\0';
        return len - 1;
    }
    return len;
}

int bole_model_is_stopword(const char *word)
{
    static const char *const stop[] = {
        "a", "all", "an", "and", "any", "are", "as", "at", "be", "by", "etc", "except",
        "for", "from", "in", "including", "into", "is", "it", "n", "not", "of", "on", "or",
        "other", "our", "such", "than", "that", "the", "their", "this", "to", "using",
        "various", "we", "who", "will", "with", "within", "without", "you", "your"};
    size_t lo = 0, hi = sizeof stop / sizeof stop[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(stop[mid], word);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

size_t bole_model_norm_name(const char *in, char *out, size_t outlen)
{
    size_t len = 0;
    char w[BOLE_MODEL_MAX_WORD];
    int ascii;
    size_t wl;
    if (outlen == 0)
        return 0;
    out[0] = '\0';
    while ((wl = bole_model_next_word(&in, w, &ascii)) > 0) {
        size_t need = wl + (len > 0 ? 1 : 0);
        if (len + need >= outlen)
            break;
        if (len > 0)
            out[len++] = ' ';
        memcpy(out + len, w, wl);
        len += wl;
        out[len] = '\0';
    }
    return len;
}

size_t bole_model_ngram_buckets(const char *word, size_t len, uint32_t seed,
                                uint32_t nbuckets, uint32_t *out, size_t max)
{
    char ext[BOLE_MODEL_MAX_WORD + 2];
    size_t k = 0;
    if (len > BOLE_MODEL_MAX_WORD - 1)
        len = BOLE_MODEL_MAX_WORD - 1;
    ext[0] = '<';
    memcpy(ext + 1, word, len);
    ext[len + 1] = '>';
    size_t el = len + 2;
    for (size_t n = 3; n <= 5; n++) {
        for (size_t i = 0; i + n <= el && k < max; i++)
            out[k++] = s_fnv32(seed, ext + i, n) % nbuckets;
    }
    return k;
}

/* ---- embedding ---------------------------------------------------------- */

typedef struct {
    float acc[BOLE_MODEL_MAX_DIM];
    int   units;                                /* how many things were added */
} s_part_t;

static void s_add_token(const bole_model_t *m, s_part_t *pt, long tok, float w)
{
    const int8_t *q = m->tvec + (size_t)tok * (size_t)m->dim;
    float f = w * m->tidf[tok] * m->tscale[tok];
    for (int i = 0; i < m->dim; i++)
        pt->acc[i] += f * (float)q[i];
    pt->units++;
}

static void s_add_bucket(const bole_model_t *m, float *acc, uint32_t b, float w)
{
    const int8_t *q = m->bvec + (size_t)b * (size_t)m->dim;
    float f = w * m->bscale[b];
    for (int i = 0; i < m->dim; i++)
        acc[i] += f * (float)q[i];
}

/* An out-of-vocabulary ASCII word: the mean of its n-gram bucket vectors. */
static void s_add_subword_ascii(const bole_model_t *m, s_part_t *pt, const char *w, size_t wl,
                                float weight)
{
    uint32_t b[3 * (BOLE_MODEL_MAX_WORD + 2)];
    size_t nb = bole_model_ngram_buckets(w, wl, m->seed, m->n_bkt, b, sizeof b / sizeof b[0]);
    if (nb == 0)
        return;
    float f = weight * m->oov_idf / (float)nb;
    for (size_t i = 0; i < nb; i++)
        s_add_bucket(m, pt->acc, b[i], f);
    pt->units++;
}

/* A non-ASCII run (e.g. Chinese): each code point and each pair of adjacent
 * code points is one gram, hashed with a tag byte so it cannot collide on
 * purpose with an ASCII n-gram. */
static void s_add_subword_utf8(const bole_model_t *m, s_part_t *pt, const char *w, size_t wl,
                               float weight)
{
    const unsigned char *s = (const unsigned char *)w;
    size_t i = 0, prev = 0, prev_len = 0;
    float f = weight * m->oov_idf * W_CJK_GRAM;
    char gram[1 + 8];
    while (i < wl) {
        uint32_t cp;
        size_t l = s_utf8(s + i, wl - i, &cp);
        if (l == 0)
            break;
        gram[0] = '\x01';
        memcpy(gram + 1, s + i, l);
        s_add_bucket(m, pt->acc, s_fnv32(m->seed, gram, 1 + l) % m->n_bkt, f);
        if (prev_len > 0) {
            gram[0] = '\x02';
            memcpy(gram + 1, s + prev, prev_len + l);
            s_add_bucket(m, pt->acc, s_fnv32(m->seed, gram, 1 + prev_len + l) % m->n_bkt, f);
        }
        pt->units++;
        prev = i;
        prev_len = l;
        i += l;
    }
}

typedef struct {
    char   w[BOLE_MODEL_MAX_WORD];
    size_t len;
    int    ascii;
} s_word_t;

/* Add free text (a title, a text field or an unknown skill name) to a part:
 * greedy longest match of multi-word vocabulary names (up to MAX_PHRASE
 * words), then single words, then sub-words. Returns -1 on allocation
 * failure. */
static int s_add_text(const bole_model_t *m, s_part_t *pt, const char *text, float weight)
{
    if (!text || !*text)
        return 0;
    /* A word takes at least one byte, so the text's length bounds the count. */
    size_t cap = strlen(text) + 1;
    if (cap > MAX_TEXT_WORDS)
        cap = MAX_TEXT_WORDS;
    s_word_t *words = malloc(sizeof *words * cap);
    if (!words)
        return -1;
    size_t n = 0;
    const char *p = text;
    while (n < cap) {
        words[n].len = bole_model_next_word(&p, words[n].w, &words[n].ascii);
        if (words[n].len == 0)
            break;
        n++;
    }
    char phrase[MAX_PHRASE * BOLE_MODEL_MAX_WORD + MAX_PHRASE];
    for (size_t i = 0; i < n;) {
        size_t used = 0;
        for (size_t L = MAX_PHRASE; L >= 2 && !used; L--) {
            if (i + L > n)
                continue;
            size_t pl = 0;
            int ok = 1;
            for (size_t j = 0; j < L; j++) {
                if (!words[i + j].ascii)
                    ok = 0;
                if (j > 0)
                    phrase[pl++] = ' ';
                memcpy(phrase + pl, words[i + j].w, words[i + j].len);
                pl += words[i + j].len;
            }
            phrase[pl] = '\0';
            if (!ok)
                continue;
            long t = bole_model_lookup(m, phrase);
            if (t >= 0) {
                s_add_token(m, pt, t, weight);
                used = L;
            }
        }
        if (used) {
            i += used;
            continue;
        }
        s_word_t *w = &words[i++];
        if (!w->ascii) {
            s_add_subword_utf8(m, pt, w->w, w->len, weight);
            continue;
        }
        if (bole_model_is_stopword(w->w))
            continue;
        long t = bole_model_lookup(m, w->w);               /* raw: "pandas" */
        if (t < 0) {
            size_t sl = bole_model_stem(w->w, w->len);     /* stemmed: "nurse" */
            if (bole_model_is_stopword(w->w))
                continue;
            t = bole_model_lookup(m, w->w);
            if (t < 0) {
                s_add_subword_ascii(m, pt, w->w, sl, weight);
                continue;
            }
        }
        s_add_token(m, pt, t, weight);
    }
    free(words);
    return 0;
}

static float s_norm(const float *v, int dim)
{
    double s = 0;
    for (int i = 0; i < dim; i++)
        s += (double)v[i] * v[i];
    return (float)sqrt(s);
}

/* Add part (normalised) times w into out; returns 1 if it had content. */
static int s_mix(float *out, const s_part_t *pt, int dim, float w)
{
    float n = s_norm(pt->acc, dim);
    if (pt->units == 0 || !(n > 1e-12f))
        return 0;
    for (int i = 0; i < dim; i++)
        out[i] += w * pt->acc[i] / n;
    return 1;
}

int bole_model_embed(const bole_model_t *model, const bole_model_input_t *in, float *out)
{
    const int dim = model->dim;
    s_part_t *parts = calloc(3, sizeof *parts);   /* skills, title, text */
    s_part_t *tmp = malloc(sizeof *tmp);
    int have = 0;
    memset(out, 0, sizeof *out * (size_t)dim);
    if (!parts || !tmp)
        goto done;

    char name[4 * BOLE_MODEL_MAX_WORD];
    for (size_t i = 0; in->skills && i < in->n_skills; i++) {
        const bole_model_term_t *s = &in->skills[i];
        if (!s->name)
            continue;
        float w = (isfinite(s->weight) && s->weight > 0) ? s->weight : 1.0f;
        bole_model_norm_name(s->name, name, sizeof name);
        long t = name[0] ? bole_model_lookup(model, name) : -1;
        if (t >= 0) {
            s_add_token(model, &parts[0], t, w);
            continue;
        }
        /* Unknown as a whole: the mean of its words' (or sub-words') vectors. */
        memset(tmp, 0, sizeof *tmp);
        if (s_add_text(model, tmp, s->name, 1.0f) != 0)
            goto done;
        if (tmp->units == 0)
            continue;
        float f = w / (float)tmp->units;
        for (int k = 0; k < dim; k++)
            parts[0].acc[k] += f * tmp->acc[k];
        parts[0].units++;
    }
    if (s_add_text(model, &parts[1], in->title, 1.0f) != 0 ||
        s_add_text(model, &parts[2], in->text, 1.0f) != 0)
        goto done;

    have |= s_mix(out, &parts[0], dim, W_SKILLS);
    have |= s_mix(out, &parts[1], dim, W_TITLE);
    have |= s_mix(out, &parts[2], dim, W_TEXT);
    if (have) {
        float n = s_norm(out, dim);
        if (n > 1e-12f) {
            for (int k = 0; k < dim; k++)
                out[k] /= n;
        } else {
            have = 0;
        }
    }
done:
    if (!have)
        memset(out, 0, sizeof *out * (size_t)dim);
    free(parts);
    free(tmp);
    return have ? 0 : -1;
}
