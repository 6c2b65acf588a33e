/* cmd_team.c — `bolectl team`: form teams for a project and show a team.
 *
 *   bolectl team form PROJECT [--k N] [--same-zone] [--exclude ID]...
 *   bolectl team accept|dissolve TEAM
 *   bolectl team withdraw TEAM TALENT
 *
 * `form` prints each proposed team as a table (member, role, match score,
 * marginal gain), then skill coverage (who covers each required skill and
 * how well), uncovered skills and unfilled roles with reasons. The other
 * verbs change a team and print it after the change. (The contract has no
 * read-only "get team" method, so there is no `show`.)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolectl.h"

#define MAX_EXCLUDES 1000

const char bolectl_team_help[] =
    "usage: bolectl [global options] team form PROJECT [--k N] [--same-zone]\n"
    "                                          [--exclude ID]... [--max-teams N]\n"
    "       bolectl [global options] team accept|dissolve TEAM\n"
    "       bolectl [global options] team withdraw TEAM TALENT\n"
    "\n"
    "form: propose up to N (1-10, default 1) materially different teams for\n"
    "PROJECT and print each as a table: member, role, match score, marginal\n"
    "gain; then per required skill who covers it and how well, the skills\n"
    "nobody covers, and the roles left unfilled with the reason.\n"
    "accept / dissolve / withdraw: change a proposed or accepted team and\n"
    "print it after the change (a TeamEvent goes out on the PUB socket).\n"
    "\n"
    "  --k N           alternatives wanted (default 1)\n"
    "  --same-zone     members must be in the project's zone\n"
    "  --exclude ID    never propose talent ID (repeatable)\n"
    "  --max-teams N   a talent may sit in at most N accepted teams (default 1)\n";

int bolectl_cmd_team(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv);

static const char *s_state(int s)
{
    switch (s) {
    case BOLE__TEAM_ACTION__TEAM_PROPOSED: return "proposed";
    case BOLE__TEAM_ACTION__TEAM_ACCEPTED: return "accepted";
    case BOLE__TEAM_ACTION__TEAM_DISSOLVED: return "dissolved";
    default: return "?";
    }
}

static void s_print_team(const Bole__Team *t)
{
    printf("team %s  project %s  %s  objective %.3f  skill coverage %.0f%%\n", t->team_id,
           t->project_id, s_state(t->state), (double)t->objective,
           100.0 * (double)t->coverage_score);
    printf("  %-3s %-24s %-24s %7s %8s\n", "#", "TALENT", "ROLE", "MATCH", "GAIN");
    for (size_t i = 0; i < t->n_members; i++)
        printf("  %-3zu %-24s %-24s %7.3f %8.4f\n", i + 1, t->members[i]->talent_id,
               t->members[i]->role_id, (double)t->members[i]->match_score,
               (double)t->members[i]->marginal_gain);
    printf("  %-30s %-5s %-5s %8s  %s\n", "SKILL", "MUST", "LEVEL", "COVERED", "BY");
    for (size_t i = 0; i < t->n_coverage; i++) {
        const Bole__SkillCoverage *c = t->coverage[i];
        printf("  %-30s %-5s %-5u %7.0f%%  ", c->skill, c->must_have ? "yes" : "no",
               c->min_level, 100.0 * (double)c->coverage);
        for (size_t k = 0; k < c->n_covered_by; k++)
            printf("%s%s", k ? ", " : "", c->covered_by[k]);
        printf("%s\n", c->n_covered_by ? "" : "-");
    }
    if (t->n_uncovered_skills) {
        printf("  uncovered:");
        for (size_t i = 0; i < t->n_uncovered_skills; i++)
            printf("%s %s", i ? "," : "", t->uncovered_skills[i]);
        printf("\n");
    }
    for (size_t i = 0; i < t->n_unfilled_roles; i++)
        printf("  unfilled: %s (%u seat%s): %s\n", t->unfilled_roles[i]->role_id,
               t->unfilled_roles[i]->missing, t->unfilled_roles[i]->missing == 1 ? "" : "s",
               t->unfilled_roles[i]->reason);
}

static void s_json_team(const Bole__Team *t)
{
    printf("{\"team_id\":");
    bolectl_json_str(stdout, t->team_id);
    printf(",\"project_id\":");
    bolectl_json_str(stdout, t->project_id);
    printf(",\"state\":\"%s\",\"objective\":", s_state(t->state));
    bolectl_json_num(stdout, t->objective);
    printf(",\"coverage_score\":");
    bolectl_json_num(stdout, t->coverage_score);
    printf(",\"members\":[");
    for (size_t i = 0; i < t->n_members; i++) {
        printf("%s{\"talent_id\":", i ? "," : "");
        bolectl_json_str(stdout, t->members[i]->talent_id);
        printf(",\"role_id\":");
        bolectl_json_str(stdout, t->members[i]->role_id);
        printf(",\"match_score\":");
        bolectl_json_num(stdout, t->members[i]->match_score);
        printf(",\"marginal_gain\":");
        bolectl_json_num(stdout, t->members[i]->marginal_gain);
        printf("}");
    }
    printf("],\"uncovered_skills\":[");
    for (size_t i = 0; i < t->n_uncovered_skills; i++) {
        printf("%s", i ? "," : "");
        bolectl_json_str(stdout, t->uncovered_skills[i]);
    }
    printf("],\"unfilled_roles\":[");
    for (size_t i = 0; i < t->n_unfilled_roles; i++) {
        printf("%s{\"role_id\":", i ? "," : "");
        bolectl_json_str(stdout, t->unfilled_roles[i]->role_id);
        printf(",\"missing\":%u,\"reason\":", t->unfilled_roles[i]->missing);
        bolectl_json_str(stdout, t->unfilled_roles[i]->reason);
        printf("}");
    }
    printf("]}");
}

static int s_usage(void)
{
    fputs(bolectl_team_help, stderr);
    return EXIT_USAGE;
}

static int s_form(bolectl_opts_t *o, int argc, char **argv)
{
    Bole__FormTeamRequest b = BOLE__FORM_TEAM_REQUEST__INIT;
    Bole__TeamConstraints c = BOLE__TEAM_CONSTRAINTS__INIT;
    char *excl[MAX_EXCLUDES];
    const char *project = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--k") == 0 && i + 1 < argc) {
            char *end = NULL;
            long k = strtol(argv[++i], &end, 10);
            if (!end || *end || k < 1 || k > 10) {
                fprintf(stderr, "bolectl team form: --k must be 1-10\n");
                return EXIT_USAGE;
            }
            b.alternatives = (uint32_t)k;
        } else if (strcmp(argv[i], "--max-teams") == 0 && i + 1 < argc) {
            char *end = NULL;
            long k = strtol(argv[++i], &end, 10);
            if (!end || *end || k < 1 || k > 1000) {
                fprintf(stderr, "bolectl team form: --max-teams must be 1-1000\n");
                return EXIT_USAGE;
            }
            c.max_concurrent_teams = (uint32_t)k;
        } else if (strcmp(argv[i], "--same-zone") == 0) {
            c.same_zone = 1;
        } else if (strcmp(argv[i], "--exclude") == 0 && i + 1 < argc) {
            if (c.n_exclude_talent_ids == MAX_EXCLUDES)
                return s_usage();
            excl[c.n_exclude_talent_ids++] = argv[++i];
        } else if (argv[i][0] != '-' && !project) {
            project = argv[i];
        } else {
            return s_usage();
        }
    }
    if (!project)
        return s_usage();
    b.project_id = (char *)project;
    c.exclude_talent_ids = excl;
    b.constraints = &c;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_FORM_TEAM;
    req.form_team = &b;
    Bole__Response *r = NULL;
    int rc = bolectl_call(o, &req, &r);
    if (rc != EXIT_OK_)
        return rc;
    const Bole__FormTeamResponse *f = r->form_team;
    if (o->json) {
        printf("{\"teams\":[");
        for (size_t i = 0; f && i < f->n_teams; i++) {
            printf("%s", i ? "," : "");
            s_json_team(f->teams[i]);
        }
        printf("]}\n");
    } else {
        for (size_t i = 0; f && i < f->n_teams; i++) {
            if (i)
                printf("\nalternative %zu:\n", i);
            s_print_team(f->teams[i]);
        }
    }
    bole_response_free(r);
    return EXIT_OK_;
}

static int s_update(bolectl_opts_t *o, int argc, char **argv)
{
    Bole__UpdateTeamRequest b = BOLE__UPDATE_TEAM_REQUEST__INIT;
    const char *verb = argv[1];
    if (strcmp(verb, "accept") == 0 && argc == 3)
        b.action = BOLE__TEAM_ACTION__TEAM_ACCEPTED;
    else if (strcmp(verb, "dissolve") == 0 && argc == 3)
        b.action = BOLE__TEAM_ACTION__TEAM_DISSOLVED;
    else if (strcmp(verb, "withdraw") == 0 && argc == 4)
        b.action = BOLE__TEAM_ACTION__TEAM_MEMBER_WITHDRAWN;
    else
        return s_usage();
    b.team_id = argv[2];
    b.talent_id = argc == 4 ? argv[3] : "";
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_UPDATE_TEAM;
    req.update_team = &b;
    Bole__Response *r = NULL;
    int rc = bolectl_call(o, &req, &r);
    if (rc != EXIT_OK_)
        return rc;
    if (r->team && o->json) {
        s_json_team(r->team);
        printf("\n");
    } else if (r->team) {
        s_print_team(r->team);
    }
    bole_response_free(r);
    return EXIT_OK_;
}

int bolectl_cmd_team(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv)
{
    (void)cmd;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(bolectl_team_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK_;
    }
    if (strcmp(argv[1], "form") == 0)
        return s_form(o, argc, argv);
    return s_update(o, argc, argv);
}
