/* cmd_referrals.c — `bolectl referrals leaderboard|statement|verify|show`:
 * the Bole Award read side, human-readable or --json. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolectl.h"

int bolectl_cmd_referrals(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv);

static const char *s_stage(int s)
{
    static const char *const n[] = {"?", "submitted", "verified", "shortlisted", "interviewed",
                                     "hired", "retained", "rejected", "withdrawn",
                                     "left_in_probation"};
    return s >= 0 && s < 10 ? n[s] : "?";
}

/* Value of --name in argv (NULL if absent). */
static const char *s_opt(int argc, char **argv, const char *name)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int s_leaderboard(bolectl_opts_t *o, int argc, char **argv)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__LeaderboardRequest b = BOLE__LEADERBOARD_REQUEST__INIT;
    Bole__Response *r;
    const char *period = s_opt(argc, argv, "--period"), *zone = s_opt(argc, argv, "--zone");
    const char *kind = s_opt(argc, argv, "--kind"), *limit = s_opt(argc, argv, "--limit");
    b.period = (char *)(period ? period : "");
    b.zone = (char *)(zone ? zone : "");
    if (kind && strcmp(kind, "institution") == 0)
        b.kind = BOLE__REFERRER_KIND__REFERRER_INSTITUTION;
    else if (kind && strcmp(kind, "individual") == 0)
        b.kind = BOLE__REFERRER_KIND__REFERRER_INDIVIDUAL;
    else if (kind) {
        fprintf(stderr, "bolectl: --kind is institution or individual\n");
        return EXIT_USAGE;
    }
    b.limit = limit ? (uint32_t)strtoul(limit, NULL, 10) : 0;
    req.body_case = BOLE__REQUEST__BODY_LEADERBOARD;
    req.leaderboard = &b;
    int rc = bolectl_call(o, &req, &r);
    if (rc != EXIT_OK_)
        return rc;
    const Bole__LeaderboardResponse *l = r->leaderboard;
    if (o->json) {
        printf("{\"rules_version\":");
        bolectl_json_str(stdout, l->rules_version);
        printf(",\"entries\":[");
        for (size_t i = 0; i < l->n_entries; i++) {
            const Bole__LeaderboardEntry *e = l->entries[i];
            printf("%s{\"rank\":%" PRIu32 ",\"referrer\":", i ? "," : "", e->rank);
            bolectl_json_str(stdout, e->referrer->id);
            printf(",\"points\":");
            bolectl_json_num(stdout, e->points);
            printf(",\"referrals\":%" PRIu32 ",\"hires\":%" PRIu32 "}", e->referrals, e->hires);
        }
        printf("]}\n");
    } else {
        printf("rules version: %s\n%4s  %-24s %-12s %12s %9s %6s\n", l->rules_version, "rank",
               "referrer", "zone", "points", "referrals", "hires");
        for (size_t i = 0; i < l->n_entries; i++) {
            const Bole__LeaderboardEntry *e = l->entries[i];
            printf("%4" PRIu32 "  %-24s %-12s %12.3f %9" PRIu32 " %6" PRIu32 "\n", e->rank,
                   e->referrer->id, e->referrer->zone, e->points, e->referrals, e->hires);
        }
    }
    bole_response_free(r);
    return EXIT_OK_;
}

static int s_statement(bolectl_opts_t *o, int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bolectl referrals statement REFERRER [--period P]\n");
        return EXIT_USAGE;
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatementRequest b = BOLE__STATEMENT_REQUEST__INIT;
    Bole__Response *r;
    const char *period = s_opt(argc, argv, "--period");
    b.referrer_id = argv[2];
    b.period = (char *)(period ? period : "");
    req.body_case = BOLE__REQUEST__BODY_REFERRER_STATEMENT;
    req.referrer_statement = &b;
    int rc = bolectl_call(o, &req, &r);
    if (rc != EXIT_OK_)
        return rc;
    const Bole__StatementResponse *s = r->statement;
    if (o->json) {
        printf("{\"referrer\":");
        bolectl_json_str(stdout, b.referrer_id);
        printf(",\"total\":");
        bolectl_json_num(stdout, s->total);
        printf(",\"items\":[");
        for (size_t i = 0; i < s->n_items; i++) {
            const Bole__StatementItem *it = s->items[i];
            printf("%s{\"referral\":", i ? "," : "");
            bolectl_json_str(stdout, it->referral_id);
            printf(",\"talent\":");
            bolectl_json_str(stdout, it->talent_id);
            printf(",\"need\":");
            bolectl_json_str(stdout, it->need_id);
            printf(",\"stage\":\"%s\",\"rule\":", s_stage((int)it->stage));
            bolectl_json_str(stdout, it->rule);
            printf(",\"base\":");
            bolectl_json_num(stdout, it->base_points);
            printf(",\"multiplier\":");
            bolectl_json_num(stdout, it->multiplier);
            printf(",\"points\":");
            bolectl_json_num(stdout, it->points);
            printf(",\"at\":%" PRId64 ",\"rules_version\":", it->at);
            bolectl_json_str(stdout, it->rules_version);
            printf("}");
        }
        printf("]}\n");
    } else {
        printf("%-10s %-14s %-12s %-18s %-24s %9s %8s %10s  %s\n", "referral", "talent", "need",
               "stage", "rule", "base", "mult", "points", "rules");
        for (size_t i = 0; i < s->n_items; i++) {
            const Bole__StatementItem *it = s->items[i];
            printf("%-10s %-14s %-12s %-18s %-24s %9.3f %8.4f %10.3f  %s\n", it->referral_id,
                   it->talent_id, it->need_id, s_stage((int)it->stage), it->rule,
                   it->base_points, it->multiplier, it->points, it->rules_version);
        }
        printf("total: %.3f\n", s->total);
    }
    bole_response_free(r);
    return EXIT_OK_;
}

static int s_verify(bolectl_opts_t *o)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__VerifyLedgerRequest b = BOLE__VERIFY_LEDGER_REQUEST__INIT;
    Bole__Response *r;
    req.body_case = BOLE__REQUEST__BODY_VERIFY_LEDGER;
    req.verify_ledger = &b;
    int rc = bolectl_call(o, &req, &r);
    if (rc != EXIT_OK_)
        return rc;
    const Bole__VerifyLedgerResponse *v = r->verify_ledger;
    char head[65] = "";
    for (size_t i = 0; i < v->head_hash.len && i < 32; i++)
        snprintf(head + 2 * i, 3, "%02x", v->head_hash.data[i]);
    if (o->json) {
        printf("{\"ok\":%s,\"entries\":%" PRIu64 ",\"first_bad_entry\":%" PRIu64 ",\"message\":",
               v->ok ? "true" : "false", v->entries, v->first_bad_entry);
        bolectl_json_str(stdout, v->message);
        printf(",\"head_hash\":\"%s\"}\n", head);
    } else if (v->ok) {
        printf("ledger OK: %" PRIu64 " entries, head %s\n", v->entries, head);
    } else {
        printf("ledger BROKEN at entry %" PRIu64 " of %" PRIu64 ": %s\n", v->first_bad_entry,
               v->entries, v->message);
    }
    int ok = v->ok;
    bole_response_free(r);
    return ok ? EXIT_OK_ : EXIT_STATUS;
}

static int s_show(bolectl_opts_t *o, int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bolectl referrals show R-ID\n");
        return EXIT_USAGE;
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
    Bole__Response *r;
    b.id = argv[2];
    req.body_case = BOLE__REQUEST__BODY_GET_REFERRAL;
    req.get_referral = &b;
    int rc = bolectl_call(o, &req, &r);
    if (rc != EXIT_OK_)
        return rc;
    const Bole__Referral *x = r->referral;
    if (o->json) {
        printf("{\"referral\":");
        bolectl_json_str(stdout, x->referral_id);
        printf(",\"referrer\":");
        bolectl_json_str(stdout, x->referrer ? x->referrer->id : "");
        printf(",\"talent\":");
        bolectl_json_str(stdout, x->talent_id);
        printf(",\"need\":");
        bolectl_json_str(stdout, x->need_id);
        printf(",\"stage\":\"%s\",\"duplicate\":%s,\"new_talent\":%s,\"points\":",
               s_stage((int)x->stage), x->duplicate ? "true" : "false",
               x->new_talent ? "true" : "false");
        bolectl_json_num(stdout, x->points);
        printf("}\n");
    } else {
        printf("referral:   %s\nreferrer:   %s\ntalent:     %s\nneed:       %s\nstage:      %s\n"
               "duplicate:  %s%s%s\nnew talent: %s\npoints:     %.3f\n",
               x->referral_id, x->referrer ? x->referrer->id : "", x->talent_id,
               x->need_id[0] ? x->need_id : "(talent pool)", s_stage((int)x->stage),
               x->duplicate ? "yes (credit: " : "no", x->duplicate ? x->credited_referral_id : "",
               x->duplicate ? ")" : "", x->new_talent ? "yes" : "no", x->points);
    }
    bole_response_free(r);
    return EXIT_OK_;
}

int bolectl_cmd_referrals(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (argc < 2 || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        fputs(cmd->help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK_;
    }
    if (strcmp(sub, "leaderboard") == 0)
        return s_leaderboard(o, argc, argv);
    if (strcmp(sub, "statement") == 0)
        return s_statement(o, argc, argv);
    if (strcmp(sub, "verify") == 0)
        return s_verify(o);
    if (strcmp(sub, "show") == 0)
        return s_show(o, argc, argv);
    fprintf(stderr, "bolectl: unknown referrals command '%s'\n%s", sub, cmd->help);
    return EXIT_USAGE;
}
