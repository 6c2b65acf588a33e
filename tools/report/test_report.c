/* test_report.c - bole-report on a small dataset: every number in the page's
 * data attributes equals the Trends answer, and the page renders in headless
 * Chromium with its charts (skipped, exit 77, when /usr/bin/chromium is
 * missing: install Debian's chromium package). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "integration/harness.h"
#include "report.h"

#define DAY 86400000LL
#define JAN1 1704067200000LL /* Monday 2024-01-01T00:00Z. */
#define CHROMIUM "/usr/bin/chromium"

static bole_client_t *s_c;

static void s_put(Bole__Request *req)
{
    Bole__Response *r = NULL;
    CHECK_EQ_INT(bole_client_call(s_c, req, &r), BOLE_OK);
    REQUIRE(r != NULL);
    CHECK_EQ_INT(r->status, 0);
    bole_response_free(r);
}

static void s_talent(const char *id, const char *zone, const char *skill, const char *ind,
                     int64_t at)
{
    Bole__Skill a = BOLE__SKILL__INIT;
    Bole__Skill *sk[] = {&a};
    a.name = (char *)skill;
    char *inds[] = {(char *)ind};
    Bole__Talent t = BOLE__TALENT__INIT;
    t.external_id = (char *)id;
    t.zone = (char *)zone;
    t.occupation = "Engineer";
    t.skills = sk;
    t.n_skills = 1;
    t.industries = inds;
    t.n_industries = 1;
    t.availability = 1;
    t.updated_at = at;
    Bole__PutTalentRequest b = BOLE__PUT_TALENT_REQUEST__INIT;
    b.talent = &t;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
    req.put_talent = &b;
    s_put(&req);
}

static void s_need(const char *id, const char *zone, const char *skill, const char *ind,
                   uint32_t headcount, int64_t at)
{
    Bole__NeedSkill a = BOLE__NEED_SKILL__INIT;
    Bole__NeedSkill *sk[] = {&a};
    a.name = (char *)skill;
    a.must_have = 1;
    Bole__Need n = BOLE__NEED__INIT;
    n.external_id = (char *)id;
    n.organisation = "Acme";
    n.zone = (char *)zone;
    n.industry = (char *)ind;
    n.title = "Developer <&> \"lead\"";
    n.skills = sk;
    n.n_skills = 1;
    n.headcount = headcount;
    n.updated_at = at;
    Bole__PutNeedRequest b = BOLE__PUT_NEED_REQUEST__INIT;
    b.need = &n;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
    req.put_need = &b;
    s_put(&req);
}

static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

static size_t s_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Every point and list row of one dimension appears in html, as written. */
static void s_numbers(const char *html, const char *dim, const Bole__TrendsResponse *t)
{
    char buf[512];
    CHECK_GT_INT(t->n_series, 0);
    for (size_t i = 0; i < t->n_series; i++) {
        snprintf(buf, sizeof buf, "data-dimension=\"%s\" data-key=\"%s\"", dim,
                 t->series[i]->key);
        CHECK_CONTAINS(html, buf);
        for (size_t p = 0; p < t->series[i]->n_points; p++) {
            const Bole__TrendPoint *pt = t->series[i]->points[p];
            snprintf(buf, sizeof buf, "data-period=\"%lld\" data-supply=\"%.17g\" "
                     "data-demand=\"%.17g\" data-gap=\"%.17g\"", (long long)pt->period_start,
                     pt->supply, pt->demand, pt->gap_ratio);
            CHECK_CONTAINS(html, buf);
        }
    }
    for (size_t i = 0; i < t->n_shortages; i++) {
        snprintf(buf, sizeof buf, "data-key=\"%s\" data-supply=\"%.17g\" data-demand=\"%.17g\" "
                 "data-gap=\"%.17g\"", t->shortages[i]->key, t->shortages[i]->supply,
                 t->shortages[i]->demand, t->shortages[i]->gap_ratio);
        CHECK_CONTAINS(html, buf);
    }
}

int main(void)
{
    harness_t *h = harness_start(NULL);
    REQUIRE(h != NULL);
    s_c = harness_client(h, 10000);
    REQUIRE(s_c != NULL);
    s_talent("T1", "Zone A", "python", "Software", JAN1 + 1 * DAY);
    s_talent("T2", "Zone B", "python", "Software", JAN1 + 8 * DAY);
    s_talent("T3", "Zone B", "welding", "Manufacturing", JAN1 + 9 * DAY);
    s_need("N1", "Zone A", "python", "Software", 4, JAN1 + 2 * DAY);
    s_need("N2", "Zone B", "welding", "Manufacturing", 2, JAN1 + 15 * DAY);
    s_need("N3", "Zone A", "rust", "Software", 1, JAN1 + 16 * DAY);

    report_options_t o = {.window = 2, .from = JAN1, .to = JAN1 + 27 * DAY, .top = 8};
    char path[1024];
    snprintf(path, sizeof path, "%s/report.html", harness_dir(h));
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    CHECK_EQ_INT(report_write(s_c, &o, f), 0);
    fclose(f);
    char *html = s_slurp(path);
    REQUIRE(html != NULL);
    CHECK_CONTAINS(html, "<svg class=\"chart\"");
    CHECK_CONTAINS(html, "id=\"shortages-skill\"");
    CHECK_CONTAINS(html, "id=\"zones\"");
    CHECK(strstr(html, "<script") == NULL);
    CHECK(strstr(html, "http://") == NULL || strstr(html, "http://www.w3.org/2000/svg"));
    const char *dims[2] = {"skill", "industry"};
    for (int d = 0; d < 2; d++) {
        Bole__Response *r = report_fetch(s_c, d + 1, &o);
        REQUIRE(r != NULL);
        s_numbers(html, dims[d], r->trends);
        bole_response_free(r);
    }
    /* Hand-checked: python in W3 has supply 2, demand 4. */
    CHECK_CONTAINS(html, "data-period=\"1705881600000\" data-supply=\"2\" data-demand=\"4\"");
    size_t charts = s_count(html, "<svg class=\"chart\"");

    bole_client_destroy(&s_c);
    CHECK_EQ_INT(harness_stop(h, 10000), 0);
    if (access(CHROMIUM, X_OK) != 0) {
        fprintf(stderr, "SKIP the rendering check: %s is missing (Debian package "
                "'chromium'); the numbers were checked.\n", CHROMIUM);
        harness_destroy(&h);
        free(html);
        return check_failed() ? check_summary() : 77;
    }
    char url[1100], profile[1100];
    snprintf(url, sizeof url, "file://%s", path);
    snprintf(profile, sizeof profile, "--user-data-dir=%s/chromium", harness_dir(h));
    const char *argv[] = {CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          "--disable-background-networking", "--disable-component-update",
                          "--disable-sync", "--no-first-run", profile, "--dump-dom", url,
                          NULL};
    char *dom = NULL, *err = NULL;
    int rc = harness_run(argv, &dom, &err, 120000, NULL);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0 && err)
        fprintf(stderr, "chromium: %s\n", err);
    REQUIRE(dom != NULL);
    /* The browser parsed the page: the DOM holds every chart with its
     * points, the tables and the zone view. */
    CHECK_EQ_UINT(s_count(dom, "<svg class=\"chart\""), charts);
    CHECK_EQ_UINT(s_count(dom, "class=\"pt\""), s_count(html, "class=\"pt\""));
    CHECK_CONTAINS(dom, "<polyline class=\"supply\"");
    CHECK_CONTAINS(dom, "id=\"shortages-skill\"");
    CHECK_CONTAINS(dom, "class=\"zone\" data-key=\"zone a\"");
    CHECK_CONTAINS(dom, "data-period=\"1705881600000\" data-supply=\"2\" data-demand=\"4\"");
    free(dom);
    free(err);
    free(html);
    harness_destroy(&h);
    return check_summary();
}
