/*
 * award.h - the Bole Award rules file (models/award_rules.conf) and the
 * points a referral earns at each stage.
 *
 * Library-grade: no daemon, store or protobuf dependency. Stages use the
 * numbers of bole.ReferralStage. The file format and every rule are
 * documented in docs/AWARD.md. A parsed rules object is immutable, so any
 * number of threads may read it.
 */
#ifndef BOLE_AWARD_H
#define BOLE_AWARD_H

#include <stddef.h>
#include <stdint.h>

/* Stage numbers (bole.ReferralStage). */
enum {
    BOLE_STAGE_SUBMITTED = 1,
    BOLE_STAGE_VERIFIED = 2,
    BOLE_STAGE_SHORTLISTED = 3,
    BOLE_STAGE_INTERVIEWED = 4,
    BOLE_STAGE_HIRED = 5,
    BOLE_STAGE_RETAINED = 6,
    BOLE_STAGE_REJECTED = 7,
    BOLE_STAGE_WITHDRAWN = 8,
    BOLE_STAGE_LEFT_IN_PROBATION = 9,
    BOLE_STAGE_COUNT = 10           /* One past the last stage number. */
};

/* Cap periods. */
typedef enum { BOLE_AWARD_PERIOD_MONTH, BOLE_AWARD_PERIOD_QUARTER, BOLE_AWARD_PERIOD_YEAR }
    bole_award_period_t;

typedef struct bole_award_rules bole_award_rules_t;

/* Parses a rules file's text (len bytes, need not be NUL-terminated).
 * Returns NULL and writes the reason (with the line number) into err on any
 * error: unknown or duplicate keys, a missing version, non-numeric or
 * negative values. The caller owns the result. */
bole_award_rules_t *bole_award_rules_parse(const char *text, size_t len, char *err,
                                           size_t errlen);
/* Reads and parses a file; NULL with err on failure. */
bole_award_rules_t *bole_award_rules_load(const char *path, char *err, size_t errlen);
/* NULL-safe; sets *rules = NULL. */
void bole_award_rules_destroy(bole_award_rules_t **rules);

const char *bole_award_rules_version(const bole_award_rules_t *r);
/* The exact text parsed (for recording it beside the points it produced). */
const char *bole_award_rules_text(const bole_award_rules_t *r);
int bole_award_probation_days(const bole_award_rules_t *r);
uint32_t bole_award_cap_open(const bole_award_rules_t *r);        /* 0: no cap. */
bole_award_period_t bole_award_cap_period(const bole_award_rules_t *r);
int64_t bole_award_new_talent_window_ms(const bole_award_rules_t *r);
int bole_award_urgent_min_urgency(const bole_award_rules_t *r);  /* bole.Urgency. */

/* Transition table: 1 if from -> to is legal (time rules aside). */
int bole_award_transition_legal(int from, int to);
/* 1 for stages that end a referral. */
int bole_award_stage_final(int stage);
/* Short lower-case name of a stage ("verified"), "?" if unknown. */
const char *bole_award_stage_name(int stage);

/* What is known about a referral when it reaches a stage; recorded at
 * referral time so later profile edits cannot change past points. */
typedef struct {
    int urgent_need;        /* The need's urgency >= urgent_min_urgency. */
    int high_level;         /* The talent held CATEGORY_HIGH_LEVEL. */
    int urgently_needed;    /* The talent held CATEGORY_URGENTLY_NEEDED. */
    int new_talent;         /* The talent entered the database for this referral. */
    int institution;        /* The referrer is an institution (else a person). */
    double hired_points;    /* Points earned at hire (for the claw-back). */
} bole_award_context_t;

/* One statement line. */
typedef struct {
    int stage;              /* Stage that earned (or lost) the points. */
    char rule[48];          /* Rule key, e.g. "points.hired". */
    double base;            /* Points before multipliers. */
    double multiplier;      /* Product of the multipliers applied. */
    double points;          /* base * multiplier. */
} bole_award_item_t;

#define BOLE_AWARD_MAX_ITEMS 2

/* The items a credited referral earns when it reaches stage, under rules r.
 * Writes at most BOLE_AWARD_MAX_ITEMS items and returns how many (0 when the
 * stage earns nothing, e.g. submitted or rejected). Deterministic. */
size_t bole_award_items(const bole_award_rules_t *r, int stage, const bole_award_context_t *ctx,
                        bole_award_item_t out[BOLE_AWARD_MAX_ITEMS]);

/* Period text -> [from, to) in Unix ms (UTC): "" is all time, "2026" a
 * year, "2026-Q3" a quarter, "2026-11" a month. Returns 0, or -1 if the
 * text is none of these. */
int bole_award_period_range(const char *period, int64_t *from /* OUT */, int64_t *to /* OUT */);
/* The cap period of kind p that contains now (Unix ms). */
void bole_award_period_containing(bole_award_period_t p, int64_t now, int64_t *from /* OUT */,
                                  int64_t *to /* OUT */);

#endif
