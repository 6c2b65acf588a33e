/* test_batch.c — bole-batch, the organisers' job-fair tool, end to end:
 * offline JSON-lines input gives the same assignment as the equivalent CSV
 * (quoted fields included); a malformed line names FILE:LINE and nothing is
 * written; --server mode against a real boled writes CSVs whose rows are
 * the daemon's schedule, --fetch reads the stored one back, and an unknown
 * event exits non-zero with the daemon's message and writes nothing.
 * Also `bolectl event` create / register / run / agenda / schedule. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "integration/harness.h"

#define BATCH BOLE_BINARY_DIR "/tools/batch/bole-batch"
#define MODELS BOLE_SOURCE_DIR "/models"
#define BOLECTL BOLE_BINARY_DIR "/tools/bolectl/bolectl"

static bole_client_t *s_c;
static const char *s_dir;

static const char *const s_titles[3] = {"Data Scientist", "Registered Nurse", "Welder"};
static const char *const s_skills[3][3] = {
    {"python", "sql", "machine learning"},
    {"patient care", "nursing", "vital signs"},
    {"welding", "blueprint reading", "metal fabrication"},
};

static char *s_path(const char *name)
{
    static char buf[8][1024];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 1024, "%s/%s", s_dir, name);
    return p;
}

static void s_write(const char *name, const char *text)
{
    FILE *f = fopen(s_path(name), "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* The file's contents (malloc'd), or NULL if it does not exist. */
static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    REQUIRE(buf != NULL);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static size_t s_count_files(const char *dir)
{
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    size_t n = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static size_t s_lines(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static int s_run(const char *const *argv, char **out, char **err)
{
    return harness_run(argv, out, err, 120000, NULL);
}

static void s_same_file(const char *a, const char *b)
{
    char *x = s_slurp(a), *y = s_slurp(b);
    CHECK(x != NULL && y != NULL);
    if (x && y)
        CHECK_EQ_STR(x, y);
    free(x);
    free(y);
}

/* ---- offline ------------------------------------------------------------- */

static void s_offline(void)
{
    s_write("t.csv", "id,occupation,skills,zone,max_interviews\n"
                     "t1,Data Scientist,python;sql;machine learning,north,2\n"
                     "\"t,2\",\"Registered \"\"Nurse\"\"\",patient care;nursing,south,\n"
                     "t3,Welder,welding;blueprint reading,north,3\n"
                     "t4,Welder,welding;metal fabrication,south,1\n");
    s_write("n.csv", "id,title,skills,zone,capacity\n"
                     "n1,Data Scientist,python;sql;statistics,north,2\n"
                     "n2,\"Nurse, ward B\",patient care;nursing;vital signs,south,1\n"
                     "n3,Welder,welding;metal fabrication,north,2\n");
    s_write("t.jsonl",
            "{\"id\":\"t1\",\"occupation\":\"Data Scientist\",\"skills\":[\"python\",\"sql\","
            "\"machine learning\"],\"zone\":\"north\",\"max_interviews\":2}\n"
            "{\"id\":\"t,2\",\"occupation\":\"Registered \\\"Nurse\\\"\",\"skills\":"
            "[\"patient care\",\"nursing\"],\"zone\":\"south\"}\n"
            "\n"
            "{\"id\":\"t3\",\"occupation\":\"Welder\",\"skills\":[\"welding\",\"blueprint "
            "reading\"],\"zone\":\"north\",\"max_interviews\":3}\n"
            "{\"zone\":\"south\",\"id\":\"t4\",\"occupation\":\"Welder\",\"skills\":[\"welding\","
            "\"metal fabrication\"],\"max_interviews\":1}\n");
    s_write("n.jsonl",
            "{\"id\":\"n1\",\"title\":\"Data Scientist\",\"skills\":[\"python\",\"sql\","
            "\"statistics\"],\"zone\":\"north\",\"capacity\":2}\n"
            "{\"id\":\"n2\",\"title\":\"Nurse, ward B\",\"skills\":[\"patient care\",\"nursing\","
            "\"vital signs\"],\"zone\":\"south\",\"capacity\":1}\n"
            "{\"id\":\"n3\",\"title\":\"Welder\",\"skills\":[\"welding\",\"metal fabrication\"],"
            "\"zone\":\"north\",\"capacity\":2}\n");
    REQUIRE(mkdir(s_path("csv"), 0700) == 0);
    REQUIRE(mkdir(s_path("jsonl"), 0700) == 0);
    char *out = NULL, *err = NULL;
    const char *a1[] = {BATCH, "--talents", s_path("t.csv"), "--needs", s_path("n.csv"),
                        "--model-dir", MODELS, "--out", s_path("csv"), "--quiet", NULL};
    CHECK_EQ_INT(s_run(a1, &out, &err), 0);
    CHECK_CONTAINS(out, "[optimal] talents placed 4/4");
    CHECK_CONTAINS(out, "[stable] talents placed 4/4");
    free(out);
    free(err);
    const char *a2[] = {BATCH, "--talents", s_path("t.jsonl"), "--needs", s_path("n.jsonl"),
                        "--model-dir", MODELS, "--out", s_path("jsonl"), "--quiet", NULL};
    CHECK_EQ_INT(s_run(a2, &out, &err), 0);
    free(out);
    free(err);
    static const char *const files[] = {"optimal_assignments.csv", "optimal_agenda_talents.csv",
                                        "optimal_agenda_booths.csv", "optimal_unmatched.csv",
                                        "stable_assignments.csv", "stable_agenda_talents.csv",
                                        "stable_agenda_booths.csv", "stable_unmatched.csv"};
    for (size_t i = 0; i < 8; i++) {
        char a[1024], b[1024];
        snprintf(a, sizeof a, "%s/csv/%s", s_dir, files[i]);
        snprintf(b, sizeof b, "%s/jsonl/%s", s_dir, files[i]);
        s_same_file(a, b);
    }
    /* The id with a comma comes back quoted, and the assignment is not empty. */
    char *as = s_slurp(s_path("csv/optimal_assignments.csv"));
    CHECK(as != NULL);
    CHECK_CONTAINS(as, "\n\"t,2\",n2,");
    CHECK_GE_UINT(s_lines(as), 5);
    free(as);
}

static void s_malformed(void)
{
    REQUIRE(mkdir(s_path("bad"), 0700) == 0);
    struct {
        const char *name, *text, *where, *why;
        int talents;
    } cases[] = {
        {"b1.jsonl", "{\"id\":\"t1\",\"occupation\":\"Welder\"}\n{\"id\":\"t2\",\"colour\":1}\n",
         "b1.jsonl:2:", "unknown field \"colour\"", 1},
        {"b2.csv", "id,occupation,skills,zone\nt1,Welder,welding,north\nt2,\"Welder,x,north\n",
         "b2.csv:3:", "unterminated quoted field", 1},
        {"b3.csv", "n1,Welder,welding,north,2\nn2,Welder,welding,north,0\n", "b3.csv:2:",
         "capacity must be 1-10000", 0},
        {"b4.jsonl", "{\"id\":\"n1\",\"title\":\"Welder\",\"capacity\":2}\n{\"id\":\"n2\",",
         "b4.jsonl:2:", "column", 0},
        {"b5.jsonl", "{\"id\":\"n1\",\"title\":\"Welder\"}\n", "b5.jsonl:1:",
         "\"capacity\" is required", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_write(cases[i].name, cases[i].text);
        char *out = NULL, *err = NULL;
        const char *argv[] = {BATCH,
                              "--talents",
                              cases[i].talents ? s_path(cases[i].name) : s_path("t.csv"),
                              "--needs",
                              cases[i].talents ? s_path("n.csv") : s_path(cases[i].name),
                              "--model-dir",
                              MODELS,
                              "--out",
                              s_path("bad"),
                              NULL};
        CHECK_EQ_INT(s_run(argv, &out, &err), 1);
        CHECK_CONTAINS(err, cases[i].where);
        CHECK_CONTAINS(err, cases[i].why);
        CHECK_EQ_UINT(s_count_files(s_path("bad")), 0);
        free(out);
        free(err);
    }
}

/* ---- against boled ---------------------------------------------------------- */

static Bole__Response *s_call(Bole__Request *req)
{
    Bole__Response *r = NULL;
    CHECK_EQ_INT(bole_client_call(s_c, req, &r), BOLE_OK);
    REQUIRE(r != NULL);
    return r;
}

static void s_put(int need, const char *id, int occ, const char *zone)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__Talent t = BOLE__TALENT__INIT;
    Bole__Need n = BOLE__NEED__INIT;
    Bole__Skill ts[3], *tsp[3];
    Bole__NeedSkill ns[3], *nsp[3];
    Bole__PutTalentRequest pt = BOLE__PUT_TALENT_REQUEST__INIT;
    Bole__PutNeedRequest pn = BOLE__PUT_NEED_REQUEST__INIT;
    for (int k = 0; k < 3; k++) {
        bole__skill__init(&ts[k]);
        ts[k].name = (char *)s_skills[occ][k];
        ts[k].level = 3;
        tsp[k] = &ts[k];
        bole__need_skill__init(&ns[k]);
        ns[k].name = (char *)s_skills[occ][k];
        ns[k].must_have = k < 2;
        nsp[k] = &ns[k];
    }
    if (need) {
        n.external_id = (char *)id;
        n.organisation = "org-1";
        n.zone = (char *)zone;
        n.title = (char *)s_titles[occ];
        n.skills = nsp;
        n.n_skills = 3;
        pn.need = &n;
        req.body_case = BOLE__REQUEST__BODY_PUT_NEED;
        req.put_need = &pn;
    } else {
        t.external_id = (char *)id;
        t.zone = (char *)zone;
        t.occupation = (char *)s_titles[occ];
        t.skills = tsp;
        t.n_skills = 3;
        t.experience_years = 5;
        pt.talent = &t;
        req.body_case = BOLE__REQUEST__BODY_PUT_TALENT;
        req.put_talent = &pt;
    }
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
}

static void s_make_event(void)
{
    static const char *const tids[] = {"a1", "a2", "a3", "a,4", "a5", "a6", "a7"};
    static const char *const nids[] = {"b1", "b2", "b3"};
    for (int i = 0; i < 7; i++)
        s_put(0, tids[i], i % 3, i % 2 ? "north" : "south");
    for (int i = 0; i < 3; i++)
        s_put(1, nids[i], i, "north");
    Bole__MatchingEvent e = BOLE__MATCHING_EVENT__INIT;
    e.external_id = "fair-1";
    e.name = "Autumn fair";
    e.starts_at = 1700000000000;
    e.ends_at = 1700000000000 + 8 * 3600000;
    e.slot_minutes = 20;
    e.slot_count = 6;
    e.max_interviews_per_talent = 2;
    Bole__CreateEventRequest ce = BOLE__CREATE_EVENT_REQUEST__INIT;
    ce.event = &e;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_CREATE_EVENT;
    req.create_event = &ce;
    Bole__Response *r = s_call(&req);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
    Bole__RegisterForEventRequest rg = BOLE__REGISTER_FOR_EVENT_REQUEST__INIT;
    Bole__Booth booths[3], *bp[3];
    for (int i = 0; i < 3; i++) {
        bole__booth__init(&booths[i]);
        booths[i].need_id = (char *)nids[i];
        booths[i].capacity = 2;
        bp[i] = &booths[i];
    }
    rg.event_id = "fair-1";
    rg.talent_ids = (char **)tids;
    rg.n_talent_ids = 7;
    rg.booths = bp;
    rg.n_booths = 3;
    Bole__Request rq = BOLE__REQUEST__INIT;
    rq.body_case = BOLE__REQUEST__BODY_REGISTER_FOR_EVENT;
    rq.register_for_event = &rg;
    r = s_call(&rq);
    CHECK_EQ_INT(r->status, BOLE__STATUS_CODE__OK);
    bole_response_free(r);
}

/* The line "talent,need,score,slot" the tool writes for an interview. */
static void s_row(char *buf, size_t len, const Bole__Interview *iv)
{
    const char *t = strchr(iv->talent_id, ',') ? "\"a,4\"" : iv->talent_id;
    snprintf(buf, len, "\n%s,%s,%.6f,%u\n", t, iv->need_id, (double)iv->score, iv->slot);
}

static void s_server(const char *endpoint)
{
    s_make_event();
    REQUIRE(mkdir(s_path("srv"), 0700) == 0);
    REQUIRE(mkdir(s_path("fetch"), 0700) == 0);
    char *out = NULL, *err = NULL;
    const char *run[] = {BATCH, "--server", endpoint, "--event", "fair-1", "--mode", "stable",
                         "--out", s_path("srv"), "--quiet", NULL};
    CHECK_EQ_INT(s_run(run, &out, &err), 0);
    CHECK_CONTAINS(out, "[stable] interviews");
    CHECK_CONTAINS(out, "blocking pairs 0");
    free(out);
    free(err);

    /* The daemon's stored schedule, through the client. */
    Bole__IdRequest id = BOLE__ID_REQUEST__INIT;
    id.id = "fair-1";
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_GET_EVENT_SCHEDULE;
    req.get_event_schedule = &id;
    Bole__Response *r = s_call(&req);
    REQUIRE(r->status == BOLE__STATUS_CODE__OK && r->schedule != NULL);
    const Bole__EventSchedule *s = r->schedule;
    CHECK_EQ_INT(s->mode, BOLE__ASSIGNMENT_MODE__ASSIGNMENT_STABLE);
    CHECK_GT_INT((int)s->n_interviews, 0);
    char *as = s_slurp(s_path("srv/stable_assignments.csv"));
    char *at = s_slurp(s_path("srv/stable_agenda_talents.csv"));
    char *ab = s_slurp(s_path("srv/stable_agenda_booths.csv"));
    char *un = s_slurp(s_path("srv/stable_unmatched.csv"));
    REQUIRE(as && at && ab && un);
    size_t n = s->n_interviews + s->n_unscheduled;
    CHECK_EQ_UINT(s_lines(as), n + 1);
    CHECK_EQ_UINT(s_lines(at), n + 1);
    CHECK_EQ_UINT(s_lines(ab), n + 1);
    CHECK_EQ_UINT(s_lines(un), s->n_unassigned_talent_ids + 1);
    for (size_t i = 0; i < s->n_interviews; i++) {
        char row[512];
        s_row(row, sizeof row, s->interviews[i]);
        CHECK_CONTAINS(as, row);
    }
    for (size_t i = 0; i < s->n_unassigned_talent_ids; i++)
        CHECK_CONTAINS(un, s->unassigned_talent_ids[i]);
    free(as);
    free(at);
    free(ab);
    free(un);
    bole_response_free(r);

    /* --fetch reads the same stored schedule back: identical files. */
    const char *fetch[] = {BATCH, "--server", endpoint, "--event", "fair-1", "--fetch",
                           "--out", s_path("fetch"), "--quiet", NULL};
    CHECK_EQ_INT(s_run(fetch, &out, &err), 0);
    free(out);
    free(err);
    s_same_file(s_path("srv/stable_assignments.csv"), s_path("fetch/stable_assignments.csv"));
    s_same_file(s_path("srv/stable_agenda_booths.csv"),
                s_path("fetch/stable_agenda_booths.csv"));

    /* Unknown event: the daemon's status and message, exit 1, nothing written. */
    REQUIRE(mkdir(s_path("none"), 0700) == 0);
    const char *bad[] = {BATCH, "--server", endpoint, "--event", "no-such-fair", "--out",
                         s_path("none"), "--quiet", NULL};
    CHECK_EQ_INT(s_run(bad, &out, &err), 1);
    CHECK_CONTAINS(err, "NOT_FOUND");
    CHECK_CONTAINS(err, "no-such-fair");
    CHECK_EQ_UINT(s_count_files(s_path("none")), 0);
    free(out);
    free(err);
    const char *bad2[] = {BATCH, "--server", endpoint, "--event", "no-such-fair", "--fetch",
                          "--out", s_path("none"), NULL};
    CHECK_NE_INT(s_run(bad2, &out, &err), 0);
    CHECK_CONTAINS(err, "NOT_FOUND");
    CHECK_EQ_UINT(s_count_files(s_path("none")), 0);
    free(out);
    free(err);
}

/* bolectl event: a second event driven only through the CLI. */
static void s_bolectl(const char *endpoint)
{
    char *out = NULL, *err = NULL;
    const char *create[] = {BOLECTL, "--server", endpoint, "event", "create", "fair-2",
                            "--name", "CLI fair", "--slots", "4", "--slot-minutes", "15",
                            "--starts", "1700000000000", "--ends", "1700030000000",
                            "--max-interviews", "2", NULL};
    CHECK_EQ_INT(s_run(create, &out, &err), 0);
    CHECK_CONTAINS(out, "event fair-2 created");
    free(out);
    free(err);
    const char *again[] = {BOLECTL, "--server", endpoint, "event", "create", "fair-2",
                           "--slots", "4", "--slot-minutes", "15", "--starts",
                           "1700000000000", "--ends", "1700030000000", NULL};
    CHECK_EQ_INT(s_run(again, &out, &err), 1);
    CHECK_CONTAINS(err, "ALREADY_EXISTS");
    free(out);
    free(err);
    const char *reg[] = {BOLECTL, "--server", endpoint, "event", "register", "fair-2",
                         "--talent", "a1", "--talent", "a2", "--talent", "a3", "--booth",
                         "b1=2", "--booth", "b3", NULL};
    CHECK_EQ_INT(s_run(reg, &out, &err), 0);
    CHECK_CONTAINS(out, "registered 3 new talents and 2 new booths");
    free(out);
    free(err);
    const char *run[] = {BOLECTL, "--server", endpoint, "event", "run", "fair-2", "--mode",
                         "optimal", NULL};
    CHECK_EQ_INT(s_run(run, &out, &err), 0);
    CHECK_CONTAINS(out, "event fair-2  mode optimal");
    CHECK_CONTAINS(out, "interviews (");
    CHECK_CONTAINS(out, "a1");
    free(out);
    free(err);
    const char *agenda[] = {BOLECTL, "--server", endpoint, "event", "agenda", "fair-2",
                            "--talent", "a1", NULL};
    CHECK_EQ_INT(s_run(agenda, &out, &err), 0);
    CHECK_CONTAINS(out, "filtered");
    CHECK(out && !strstr(out, "  a2  ") && !strstr(out, "  a3  "));
    free(out);
    free(err);
    const char *json[] = {BOLECTL, "--server", endpoint, "--json", "event", "schedule", "fair-2",
                          NULL};
    CHECK_EQ_INT(s_run(json, &out, &err), 0);
    CHECK_CONTAINS(out, "\"event_id\":\"fair-2\"");
    CHECK_CONTAINS(out, "\"interviews\":[");
    free(out);
    free(err);
    const char *unknown[] = {BOLECTL, "--server", endpoint, "event", "schedule", "nope", NULL};
    CHECK_EQ_INT(s_run(unknown, &out, &err), 1);
    CHECK_CONTAINS(err, "NOT_FOUND");
    free(out);
    free(err);
    const char *usage[] = {BOLECTL, "--server", endpoint, "event", "agenda", "fair-2", NULL};
    CHECK_EQ_INT(s_run(usage, &out, &err), 2);
    free(out);
    free(err);
}

int main(void)
{
    harness_t *h = harness_start(NULL);
    REQUIRE(h != NULL);
    s_dir = harness_dir(h);
    s_c = harness_client(h, 30000);
    REQUIRE(s_c != NULL);
    s_offline();
    s_malformed();
    s_server(harness_endpoint(h));
    s_bolectl(harness_endpoint(h));
    bole_client_destroy(&s_c);
    harness_destroy(&h);
    return check_summary();
}
