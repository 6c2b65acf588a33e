/*
 * test_award.c - the rules file parser (award.h), the transition table,
 * points with multipliers and claw-back, and period parsing.
 */
#include <stdio.h>
#include <string.h>

#include "award.h"
#include "check.h"

static const char s_rules[] =
    "# comment\n"
    "version = r1\n"
    "\n"
    "points.verified = 10   # trailing comment\n"
    "points.hired = 100\n"
    "points.new_talent = 50\n"
    "multiplier.urgent_need = 1.5\n"
    "multiplier.high_level = 2\n"
    "multiplier.individual = 0.8\n"
    "clawback.fraction = 0.5\n"
    "probation.days = 90\n"
    "cap.open_referrals = 7\n"
    "cap.period = quarter\n";

static void test_parse(void)
{
    char err[256] = "";
    bole_award_rules_t *r = bole_award_rules_parse(s_rules, strlen(s_rules), err, sizeof err);
    REQUIRE(r != NULL);
    CHECK_EQ_STR(bole_award_rules_version(r), "r1");
    CHECK_EQ_INT(bole_award_probation_days(r), 90);
    CHECK_EQ_UINT(bole_award_cap_open(r), 7);
    CHECK_EQ_INT(bole_award_cap_period(r), BOLE_AWARD_PERIOD_QUARTER);
    CHECK_EQ_INT(bole_award_urgent_min_urgency(r), 3);
    CHECK_EQ_STR(bole_award_rules_text(r), s_rules);
    bole_award_rules_destroy(&r);
    CHECK_NULL(r);

    static const struct { const char *text, *why; } bad[] = {
        {"points.hired = 1\n", "version"},
        {"version = a\nversion = b\n", "duplicate version"},
        {"version = a\npoints.hired = 1\npoints.hired = 2\n", "line 3: duplicate"},
        {"version = a\npoints.bonus = 1\n", "line 2: unknown key"},
        {"version = a\npoints.hired = -1\n", "non-negative"},
        {"version = a\npoints.hired = lots\n", "non-negative"},
        {"version = a\nprobation.days = 1.5\n", "integer"},
        {"version = a\ncap.period = week\n", "month, quarter or year"},
        {"version = a\nclawback.fraction = 2\n", "clawback"},
        {"version = a\njust words\n", "key = value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        r = bole_award_rules_parse(bad[i].text, strlen(bad[i].text), err, sizeof err);
        CHECK_NULL(r);
        CHECK_CONTAINS(err, bad[i].why);
        bole_award_rules_destroy(&r);
    }
    /* The shipped file parses. */
    r = bole_award_rules_load(BOLE_SOURCE_DIR "/models/award_rules.conf", err, sizeof err);
    if (!r)
        fprintf(stderr, "%s\n", err);
    CHECK_NOT_NULL(r);
    bole_award_rules_destroy(&r);
}

static void test_transitions(void)
{
    /* Every pair, against the table written out by hand. */
    static const char *const legal[BOLE_STAGE_COUNT] = {
        [1] = "2 7 8", [2] = "3 7 8", [3] = "4 7 8", [4] = "5 7 8", [5] = "6 7 8 9",
        [6] = "", [7] = "", [8] = "", [9] = "",
    };
    for (int from = 0; from < BOLE_STAGE_COUNT + 1; from++)
        for (int to = 0; to < BOLE_STAGE_COUNT + 1; to++) {
            char tok[4];
            snprintf(tok, sizeof tok, "%d", to);
            int want = from >= 1 && from < BOLE_STAGE_COUNT && to >= 1 &&
                       to < BOLE_STAGE_COUNT && strstr(legal[from], tok) != NULL;
            CHECK_EQ_INT(bole_award_transition_legal(from, to), want);
        }
}

static void test_points(void)
{
    char err[256];
    bole_award_rules_t *r = bole_award_rules_parse(s_rules, strlen(s_rules), err, sizeof err);
    REQUIRE(r != NULL);
    bole_award_item_t it[BOLE_AWARD_MAX_ITEMS];
    bole_award_context_t ctx = {.urgent_need = 1, .high_level = 1, .institution = 1};
    CHECK_EQ_UINT(bole_award_items(r, BOLE_STAGE_SUBMITTED, &ctx, it), 0);
    CHECK_EQ_UINT(bole_award_items(r, BOLE_STAGE_SHORTLISTED, &ctx, it), 0); /* No rule. */
    REQUIRE(bole_award_items(r, BOLE_STAGE_HIRED, &ctx, it) == 1);
    CHECK_EQ_STR(it[0].rule, "points.hired");
    CHECK_NEAR(it[0].multiplier, 3.0, 1e-12);
    CHECK_NEAR(it[0].points, 300.0, 1e-12);
    ctx.institution = 0; /* Individuals: x0.8. */
    ctx.new_talent = 1;
    REQUIRE(bole_award_items(r, BOLE_STAGE_VERIFIED, &ctx, it) == 2);
    CHECK_NEAR(it[0].points, 24.0, 1e-12);
    CHECK_EQ_STR(it[1].rule, "points.new_talent");
    CHECK_NEAR(it[1].points, 120.0, 1e-12);
    ctx.hired_points = 240;
    REQUIRE(bole_award_items(r, BOLE_STAGE_LEFT_IN_PROBATION, &ctx, it) == 1);
    CHECK_EQ_STR(it[0].rule, "clawback.fraction");
    CHECK_NEAR(it[0].base, -240, 1e-12);
    CHECK_NEAR(it[0].multiplier, 0.5, 1e-12);
    CHECK_NEAR(it[0].points, -120, 1e-12);
    CHECK_EQ_UINT(bole_award_items(r, BOLE_STAGE_REJECTED, &ctx, it), 0);
    bole_award_rules_destroy(&r);
}

static void test_periods(void)
{
    int64_t from, to;
    CHECK_EQ_INT(bole_award_period_range("2026", &from, &to), 0);
    CHECK_EQ_INT(from, 1767225600000LL);   /* 2026-01-01T00:00Z */
    CHECK_EQ_INT(to, 1798761600000LL);     /* 2027-01-01 */
    CHECK_EQ_INT(bole_award_period_range("2026-Q3", &from, &to), 0);
    CHECK_EQ_INT(from, 1782864000000LL);   /* 2026-07-01 */
    CHECK_EQ_INT(to, 1790812800000LL);     /* 2026-10-01 */
    CHECK_EQ_INT(bole_award_period_range("2026-11", &from, &to), 0);
    CHECK_EQ_INT(from, 1793491200000LL);   /* 2026-11-01 */
    CHECK_EQ_INT(to, 1796083200000LL);     /* 2026-12-01 */
    CHECK_EQ_INT(bole_award_period_range("2026-13", &from, &to), -1);
    CHECK_EQ_INT(bole_award_period_range("26", &from, &to), -1);
    CHECK_EQ_INT(bole_award_period_range("2026-Q5", &from, &to), -1);
    bole_award_period_containing(BOLE_AWARD_PERIOD_MONTH, 1793491200000LL + 5, &from, &to);
    CHECK_EQ_INT(from, 1793491200000LL);
    CHECK_EQ_INT(to, 1796083200000LL);
    bole_award_period_containing(BOLE_AWARD_PERIOD_QUARTER, 1793491200000LL, &from, &to);
    CHECK_EQ_INT(from, 1790812800000LL);
    bole_award_period_containing(BOLE_AWARD_PERIOD_YEAR, 1796083200000LL - 1, &from, &to);
    CHECK_EQ_INT(from, 1767225600000LL);
}

int main(void)
{
    test_parse();
    test_transitions();
    test_points();
    test_periods();
    return check_summary();
}
