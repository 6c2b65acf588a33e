/* check.h — tiny self-checking assertion macros for unit and integration tests.
 *
 * Every CHECK_* macro counts one check; a failing check prints the file, line,
 * the expression and both operands, and the test goes on (so one run reports
 * every failure). REQUIRE(cond) stops the test at once (exit status 1, atexit
 * handlers run: the integration harness kills its daemon there). End main()
 * with `return check_summary();`: it prints "<n> checks, <m> failed" and
 * returns the process exit status (0 only if nothing failed).
 *
 * The counters are weak symbols, so every object file of one test program
 * (the test and the integration harness) shares them.
 */
#ifndef BOLE_TESTS_CHECK_H
#define BOLE_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((weak)) int check_total = 0;     /* Checks evaluated. */
__attribute__((weak)) int check_failures = 0;  /* Checks that failed. */

/* Record one failure; the message is already printed by the macro. */
static inline void check__fail(void)
{
    check_failures++;
    fflush(stderr);
}

/* Print the summary and return the exit status for main(). */
static inline int check_summary(void)
{
    fprintf(stderr, "%d checks, %d failed\n", check_total, check_failures);
    return check_failures == 0 ? 0 : 1;
}

/* True once any check has failed. */
static inline int check_failed(void)
{
    return check_failures != 0;
}

#define CHECK(cond)                                                              \
    do {                                                                         \
        check_total++;                                                           \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__,     \
                    #cond);                                                      \
            check__fail();                                                       \
        }                                                                        \
    } while (0)

/* Like CHECK but ends the test on failure (for preconditions of later checks). */
#define REQUIRE(cond)                                                            \
    do {                                                                         \
        check_total++;                                                           \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: REQUIRE(%s) failed; stopping\n", __FILE__,   \
                    __LINE__, #cond);                                            \
            check__fail();                                                       \
            exit(check_summary());                                               \
        }                                                                        \
    } while (0)

#define CHECK__CMP_INT(a, op, b)                                                 \
    do {                                                                         \
        long long check__a = (long long)(a), check__b = (long long)(b);          \
        check_total++;                                                           \
        if (!(check__a op check__b)) {                                           \
            fprintf(stderr, "%s:%d: CHECK(%s %s %s) failed: %lld vs %lld\n",     \
                    __FILE__, __LINE__, #a, #op, #b, check__a, check__b);        \
            check__fail();                                                       \
        }                                                                        \
    } while (0)

#define CHECK__CMP_UINT(a, op, b)                                                \
    do {                                                                         \
        unsigned long long check__a = (unsigned long long)(a);                   \
        unsigned long long check__b = (unsigned long long)(b);                   \
        check_total++;                                                           \
        if (!(check__a op check__b)) {                                           \
            fprintf(stderr, "%s:%d: CHECK(%s %s %s) failed: %llu vs %llu\n",     \
                    __FILE__, __LINE__, #a, #op, #b, check__a, check__b);        \
            check__fail();                                                       \
        }                                                                        \
    } while (0)

/* Signed integer comparisons (operands converted to long long). */
#define CHECK_EQ_INT(a, b) CHECK__CMP_INT(a, ==, b)
#define CHECK_NE_INT(a, b) CHECK__CMP_INT(a, !=, b)
#define CHECK_LT_INT(a, b) CHECK__CMP_INT(a, <, b)
#define CHECK_LE_INT(a, b) CHECK__CMP_INT(a, <=, b)
#define CHECK_GT_INT(a, b) CHECK__CMP_INT(a, >, b)
#define CHECK_GE_INT(a, b) CHECK__CMP_INT(a, >=, b)

/* Unsigned comparisons (operands converted to unsigned long long). */
#define CHECK_EQ_UINT(a, b) CHECK__CMP_UINT(a, ==, b)
#define CHECK_GE_UINT(a, b) CHECK__CMP_UINT(a, >=, b)
#define CHECK_LE_UINT(a, b) CHECK__CMP_UINT(a, <=, b)

/* String equality; NULL is printed as (null) and equals only NULL. */
#define CHECK_EQ_STR(a, b)                                                       \
    do {                                                                         \
        const char *check__a = (a), *check__b = (b);                             \
        check_total++;                                                           \
        if (!((check__a == NULL && check__b == NULL)                             \
              || (check__a != NULL && check__b != NULL                           \
                  && strcmp(check__a, check__b) == 0))) {                        \
            fprintf(stderr, "%s:%d: CHECK_EQ_STR(%s, %s) failed: \"%s\" vs \"%s\"\n", \
                    __FILE__, __LINE__, #a, #b, check__a ? check__a : "(null)",  \
                    check__b ? check__b : "(null)");                             \
            check__fail();                                                       \
        }                                                                        \
    } while (0)

/* `hay` contains `needle` (both strings). */
#define CHECK_CONTAINS(hay, needle)                                              \
    do {                                                                         \
        const char *check__h = (hay), *check__n = (needle);                      \
        check_total++;                                                           \
        if (check__h == NULL || check__n == NULL                                 \
            || strstr(check__h, check__n) == NULL) {                             \
            fprintf(stderr, "%s:%d: CHECK_CONTAINS(%s, %s) failed: \"%s\" does not contain \"%s\"\n", \
                    __FILE__, __LINE__, #hay, #needle,                           \
                    check__h ? check__h : "(null)", check__n ? check__n : "(null)"); \
            check__fail();                                                       \
        }                                                                        \
    } while (0)

/* |a - b| <= eps; NaN never passes. */
#define CHECK_NEAR(a, b, eps)                                                    \
    do {                                                                         \
        double check__a = (double)(a), check__b = (double)(b);                   \
        double check__e = (double)(eps);                                         \
        check_total++;                                                           \
        if (!(fabs(check__a - check__b) <= check__e)) {                          \
            fprintf(stderr, "%s:%d: CHECK_NEAR(%s, %s, %s) failed: %.17g vs %.17g\n", \
                    __FILE__, __LINE__, #a, #b, #eps, check__a, check__b);       \
            check__fail();                                                       \
        }                                                                        \
    } while (0)

#define CHECK_NULL(p)                                                            \
    do {                                                                         \
        const void *check__p = (const void *)(p);                                \
        check_total++;                                                           \
        if (check__p != NULL) {                                                  \
            fprintf(stderr, "%s:%d: CHECK_NULL(%s) failed: %p\n", __FILE__,      \
                    __LINE__, #p, check__p);                                     \
            check__fail();                                                       \
        }                                                                        \
    } while (0)

#define CHECK_NOT_NULL(p)                                                        \
    do {                                                                         \
        check_total++;                                                           \
        if ((const void *)(p) == NULL) {                                         \
            fprintf(stderr, "%s:%d: CHECK_NOT_NULL(%s) failed\n", __FILE__,      \
                    __LINE__, #p);                                               \
            check__fail();                                                       \
        }                                                                        \
    } while (0)

#endif /* BOLE_TESTS_CHECK_H */
