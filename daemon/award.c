/*
 * award.c - parser of the award rules file and the points of each stage
 * (see award.h; format and rules in docs/AWARD.md).
 */
#include "award.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES_BYTES (64 * 1024)

struct bole_award_rules {
    char version[64];
    char *text;                         /* The parsed text, NUL-terminated. */
    double points[BOLE_STAGE_COUNT];    /* By stage; 0 when not given. */
    double new_talent;                  /* Bonus at verified for a new talent. */
    double mult_urgent, mult_high_level, mult_urgently_needed;
    double mult_institution, mult_individual;
    double clawback;                    /* Fraction of the hire points taken back. */
    int probation_days;
    uint32_t cap_open;
    bole_award_period_t cap_period;
    double new_talent_window_hours;
    int urgent_min_urgency;
};

typedef enum { K_NUM, K_INT, K_PERIOD } kind_t;

typedef struct {
    const char *key;
    kind_t kind;
    size_t offset;          /* Into the struct. */
} key_t_;

#define OFF(f) offsetof(struct bole_award_rules, f)
#define STAGE_OFF(s) (OFF(points) + (size_t)(s) * sizeof(double))

static const key_t_ s_keys[] = {
    {"points.submitted", K_NUM, STAGE_OFF(BOLE_STAGE_SUBMITTED)},
    {"points.verified", K_NUM, STAGE_OFF(BOLE_STAGE_VERIFIED)},
    {"points.shortlisted", K_NUM, STAGE_OFF(BOLE_STAGE_SHORTLISTED)},
    {"points.interviewed", K_NUM, STAGE_OFF(BOLE_STAGE_INTERVIEWED)},
    {"points.hired", K_NUM, STAGE_OFF(BOLE_STAGE_HIRED)},
    {"points.retained", K_NUM, STAGE_OFF(BOLE_STAGE_RETAINED)},
    {"points.new_talent", K_NUM, OFF(new_talent)},
    {"multiplier.urgent_need", K_NUM, OFF(mult_urgent)},
    {"multiplier.high_level", K_NUM, OFF(mult_high_level)},
    {"multiplier.urgently_needed_talent", K_NUM, OFF(mult_urgently_needed)},
    {"multiplier.institution", K_NUM, OFF(mult_institution)},
    {"multiplier.individual", K_NUM, OFF(mult_individual)},
    {"clawback.fraction", K_NUM, OFF(clawback)},
    {"probation.days", K_INT, OFF(probation_days)},
    {"cap.open_referrals", K_INT, OFF(cap_open)},
    {"cap.period", K_PERIOD, OFF(cap_period)},
    {"attribution.new_talent_window_hours", K_NUM, OFF(new_talent_window_hours)},
    {"urgent.min_urgency", K_INT, OFF(urgent_min_urgency)},
};
#define N_KEYS (sizeof s_keys / sizeof s_keys[0])

static char *s_trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static void s_defaults(bole_award_rules_t *r)
{
    r->mult_urgent = r->mult_high_level = r->mult_urgently_needed = 1.0;
    r->mult_institution = r->mult_individual = 1.0;
    r->clawback = 1.0;
    r->probation_days = 180;
    r->cap_period = BOLE_AWARD_PERIOD_MONTH;
    r->new_talent_window_hours = 72;
    r->urgent_min_urgency = 3;
}

bole_award_rules_t *bole_award_rules_parse(const char *text, size_t len, char *err,
                                           size_t errlen)
{
    if (len > MAX_RULES_BYTES) {
        snprintf(err, errlen, "award rules: file larger than %d bytes", MAX_RULES_BYTES);
        return NULL;
    }
    bole_award_rules_t *r = calloc(1, sizeof *r);
    char *copy = malloc(len + 1);
    char *work = malloc(len + 1);
    if (!r || !copy || !work) {
        snprintf(err, errlen, "award rules: out of memory");
        goto err;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    memcpy(work, text, len + 1);
    work[len] = '\0';
    if (memchr(copy, '\0', len)) {
        snprintf(err, errlen, "award rules: NUL byte in file");
        goto err;
    }
    r->text = copy;
    copy = NULL;
    s_defaults(r);
    unsigned char seen[N_KEYS] = {0};
    int line_no = 0;
    char *next = work;
    while (next) {
        char *line = next;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line_no++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = s_trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "award rules line %d: expected 'key = value'", line_no);
            goto err;
        }
        *eq = '\0';
        char *key = s_trim(s), *value = s_trim(eq + 1);
        if (strcmp(key, "version") == 0) {
            if (r->version[0]) {
                snprintf(err, errlen, "award rules line %d: duplicate version", line_no);
                goto err;
            }
            if (!*value || strlen(value) >= sizeof r->version) {
                snprintf(err, errlen, "award rules line %d: version must be 1-%zu bytes",
                         line_no, sizeof r->version - 1);
                goto err;
            }
            snprintf(r->version, sizeof r->version, "%s", value);
            continue;
        }
        size_t k = 0;
        while (k < N_KEYS && strcmp(s_keys[k].key, key) != 0)
            k++;
        if (k == N_KEYS) {
            snprintf(err, errlen, "award rules line %d: unknown key '%s'", line_no, key);
            goto err;
        }
        if (seen[k]) {
            snprintf(err, errlen, "award rules line %d: duplicate key '%s'", line_no, key);
            goto err;
        }
        seen[k] = 1;
        char *p = (char *)r + s_keys[k].offset;
        if (s_keys[k].kind == K_PERIOD) {
            bole_award_period_t per;
            if (strcmp(value, "month") == 0)
                per = BOLE_AWARD_PERIOD_MONTH;
            else if (strcmp(value, "quarter") == 0)
                per = BOLE_AWARD_PERIOD_QUARTER;
            else if (strcmp(value, "year") == 0)
                per = BOLE_AWARD_PERIOD_YEAR;
            else {
                snprintf(err, errlen, "award rules line %d: %s must be month, quarter or year",
                         line_no, key);
                goto err;
            }
            memcpy(p, &per, sizeof per);
            continue;
        }
        char *end;
        errno = 0;
        double v = strtod(value, &end);
        if (errno || end == value || *end || !isfinite(v) || v < 0 ||
            (s_keys[k].kind == K_INT && (v != floor(v) || v > 1e6))) {
            snprintf(err, errlen, "award rules line %d: %s needs a non-negative %s, got '%s'",
                     line_no, key, s_keys[k].kind == K_INT ? "integer" : "number", value);
            goto err;
        }
        if (s_keys[k].kind == K_NUM) {
            memcpy(p, &v, sizeof v);
        } else if (s_keys[k].offset == OFF(cap_open)) {
            uint32_t u = (uint32_t)v;
            memcpy(p, &u, sizeof u);
        } else {
            int i = (int)v;
            memcpy(p, &i, sizeof i);
        }
    }
    if (!r->version[0]) {
        snprintf(err, errlen, "award rules: no 'version' line");
        goto err;
    }
    if (r->clawback > 1.0) {
        snprintf(err, errlen, "award rules: clawback.fraction must be in [0, 1]");
        goto err;
    }
    free(work);
    return r;
err:
    free(copy);
    free(work);
    bole_award_rules_destroy(&r);
    return NULL;
}

bole_award_rules_t *bole_award_rules_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "award rules: cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MAX_RULES_BYTES + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "award rules: out of memory");
        return NULL;
    }
    size_t n = fread(buf, 1, MAX_RULES_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    bole_award_rules_t *r = NULL;
    if (bad)
        snprintf(err, errlen, "award rules: cannot read %s", path);
    else
        r = bole_award_rules_parse(buf, n, err, errlen);
    free(buf);
    return r;
}

void bole_award_rules_destroy(bole_award_rules_t **rules)
{
    if (!rules || !*rules)
        return;
    free((*rules)->text);
    free(*rules);
    *rules = NULL;
}

const char *bole_award_rules_version(const bole_award_rules_t *r) { return r->version; }
const char *bole_award_rules_text(const bole_award_rules_t *r) { return r->text; }
int bole_award_probation_days(const bole_award_rules_t *r) { return r->probation_days; }
uint32_t bole_award_cap_open(const bole_award_rules_t *r) { return r->cap_open; }
bole_award_period_t bole_award_cap_period(const bole_award_rules_t *r) { return r->cap_period; }
int bole_award_urgent_min_urgency(const bole_award_rules_t *r) { return r->urgent_min_urgency; }
int64_t bole_award_new_talent_window_ms(const bole_award_rules_t *r)
{
    return (int64_t)llround(r->new_talent_window_hours * 3600000.0);
}

int bole_award_stage_final(int stage)
{
    return stage == BOLE_STAGE_RETAINED || stage == BOLE_STAGE_REJECTED ||
           stage == BOLE_STAGE_WITHDRAWN || stage == BOLE_STAGE_LEFT_IN_PROBATION;
}

int bole_award_transition_legal(int from, int to)
{
    if (from < BOLE_STAGE_SUBMITTED || from >= BOLE_STAGE_COUNT || to < BOLE_STAGE_SUBMITTED ||
        to >= BOLE_STAGE_COUNT || bole_award_stage_final(from))
        return 0;
    if (to == BOLE_STAGE_REJECTED || to == BOLE_STAGE_WITHDRAWN)
        return 1; /* From any open stage, hired included. */
    if (to == BOLE_STAGE_LEFT_IN_PROBATION)
        return from == BOLE_STAGE_HIRED;
    return to == from + 1 && to <= BOLE_STAGE_RETAINED;
}

const char *bole_award_stage_name(int stage)
{
    static const char *const names[BOLE_STAGE_COUNT] = {
        "?", "submitted", "verified", "shortlisted", "interviewed", "hired", "retained",
        "rejected", "withdrawn", "left_in_probation",
    };
    return stage > 0 && stage < BOLE_STAGE_COUNT ? names[stage] : "?";
}

static double s_round_milli(double v)
{
    return (double)llround(v * 1000.0) / 1000.0;
}

size_t bole_award_items(const bole_award_rules_t *r, int stage, const bole_award_context_t *ctx,
                        bole_award_item_t out[BOLE_AWARD_MAX_ITEMS])
{
    double m = ctx->institution ? r->mult_institution : r->mult_individual;
    if (ctx->urgent_need)
        m *= r->mult_urgent;
    if (ctx->high_level)
        m *= r->mult_high_level;
    if (ctx->urgently_needed)
        m *= r->mult_urgently_needed;
    m = s_round_milli(m * 1000.0) / 1000.0; /* Multipliers are exact to 1e-6. */
    size_t n = 0;
    if (stage == BOLE_STAGE_LEFT_IN_PROBATION) {
        if (ctx->hired_points != 0 && r->clawback > 0) {
            bole_award_item_t *it = &out[n++];
            it->stage = stage;
            snprintf(it->rule, sizeof it->rule, "clawback.fraction");
            it->base = -ctx->hired_points;
            it->multiplier = r->clawback;
            it->points = s_round_milli(it->base * it->multiplier);
        }
        return n;
    }
    if (stage < BOLE_STAGE_SUBMITTED || stage > BOLE_STAGE_RETAINED)
        return 0;
    if (r->points[stage] > 0) {
        bole_award_item_t *it = &out[n++];
        it->stage = stage;
        snprintf(it->rule, sizeof it->rule, "points.%s", bole_award_stage_name(stage));
        it->base = r->points[stage];
        it->multiplier = m;
        it->points = s_round_milli(it->base * m);
    }
    if (stage == BOLE_STAGE_VERIFIED && ctx->new_talent && r->new_talent > 0) {
        bole_award_item_t *it = &out[n++];
        it->stage = stage;
        snprintf(it->rule, sizeof it->rule, "points.new_talent");
        it->base = r->new_talent;
        it->multiplier = m;
        it->points = s_round_milli(it->base * m);
    }
    return n;
}

/* Days from 1970-01-01 to y-m-01 (proleptic Gregorian; H. Hinnant's algorithm). */
static int64_t s_days(int64_t y, int m)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t s_month_ms(int64_t y, int m)
{
    while (m > 12) {
        m -= 12;
        y++;
    }
    return s_days(y, m) * 86400000;
}

int bole_award_period_range(const char *period, int64_t *from, int64_t *to)
{
    if (!period || !*period) {
        *from = INT64_MIN;
        *to = INT64_MAX;
        return 0;
    }
    int y = 0, n = 0, used = 0;
    size_t len = strlen(period);
    if (len == 4 && sscanf(period, "%4d%n", &y, &used) == 1 && used == 4) {
        *from = s_month_ms(y, 1);
        *to = s_month_ms(y + 1, 1);
        return y >= 1970 && y < 10000 ? 0 : -1;
    }
    if (len == 7 && period[4] == '-' && period[5] == 'Q' &&
        sscanf(period, "%4d-Q%1d%n", &y, &n, &used) == 2 && used == 7 && n >= 1 && n <= 4 &&
        y >= 1970) {
        *from = s_month_ms(y, 3 * (n - 1) + 1);
        *to = s_month_ms(y, 3 * n + 1);
        return 0;
    }
    if (len == 7 && period[4] == '-' && isdigit((unsigned char)period[5]) &&
        sscanf(period, "%4d-%2d%n", &y, &n, &used) == 2 && used == 7 && n >= 1 && n <= 12 &&
        y >= 1970) {
        *from = s_month_ms(y, n);
        *to = s_month_ms(y, n + 1);
        return 0;
    }
    return -1;
}

void bole_award_period_containing(bole_award_period_t p, int64_t now, int64_t *from, int64_t *to)
{
    /* Walk from the year of now: civil date of now by days. */
    int64_t days = now >= 0 ? now / 86400000 : -((-now + 86399999) / 86400000);
    int64_t y = 1970 + days / 366;
    while (s_days(y + 1, 1) <= days)
        y++;
    int m = 1;
    while (m < 12 && s_days(y, m + 1) <= days)
        m++;
    int first = p == BOLE_AWARD_PERIOD_YEAR ? 1 : p == BOLE_AWARD_PERIOD_QUARTER ? (m - 1) / 3 * 3 + 1 : m;
    int span = p == BOLE_AWARD_PERIOD_YEAR ? 12 : p == BOLE_AWARD_PERIOD_QUARTER ? 3 : 1;
    *from = s_month_ms(y, first);
    *to = s_month_ms(y, first + span);
}
