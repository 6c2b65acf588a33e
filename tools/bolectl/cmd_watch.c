/* cmd_watch.c — `bolectl watch`: follow the live match stream.
 *
 * The PUB socket drops what a subscriber misses, so watch never trusts it
 * alone: it subscribes first, then catches up through MatchesSince from the
 * last sequence number it printed (kept in a state file), then prints live
 * events, skipping any seq it already printed (one event goes out under
 * several topics). A seq that jumps ahead, a quiet spell of a few seconds,
 * or a failed call (daemon restarting) sends it back to MatchesSince, so
 * after a restart of either side it resumes with no gap and no duplicate.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "bolectl.h"

#define DEFAULT_EVENTS   "tcp://127.0.0.1:5556"
#define DEFAULT_STATE    ".bole-watch.seq"   /* under $HOME */
#define MAX_PREFIXES     64                  /* the daemon's limit */
#define PAGE             1000
#define RESYNC_MS        5000                /* catch up after this much silence */
#define SAVE_MS          1000                /* state file written at most this often */
#define JOIN_MS          200                 /* let the subscription reach the PUB */

const char bolectl_watch_help[] =
    "usage: bolectl [global options] watch [--from SEQ] [--state FILE]\n"
    "                                      [--events ENDPOINT] [--count N] [PREFIX...]\n"
    "\n"
    "Follow the live match stream: print every stored event whose topic starts\n"
    "with one of the PREFIXes (default: all match events, 'match.'), first the\n"
    "ones after the last seen sequence number (via matches_since), then live\n"
    "ones from the PUB socket. Each event is printed once, in sequence order:\n"
    "  SEQ TOPIC TALENT NEED SCORE [improved]\n"
    "  SEQ TOPIC TALENT NEED withdrawn (REASON)\n"
    "or one JSON object per line with --json. Topics: match.need.<id>,\n"
    "match.talent.<id>, match.org.<org>, match.zone.<zone> (org and zone in\n"
    "lower case), match.withdrawn.need.<id>, match.withdrawn.talent.<id>.\n"
    "\n"
    "  --from SEQ         start after SEQ (default: the state file, else 0)\n"
    "  --state FILE       where the last printed seq is kept\n"
    "                     (default ~/" DEFAULT_STATE ")\n"
    "  --events ENDPOINT  boled's event endpoint (default " DEFAULT_EVENTS ")\n"
    "  --count N          exit after printing N events (default: run until\n"
    "                     SIGINT/SIGTERM)\n"
    "\n"
    "After a restart of boled or of watch, it catches up from the state file:\n"
    "no event is lost or printed twice. With CURVE (--server-key, --key) the\n"
    "event socket uses the same keys.\n";

int bolectl_cmd_watch(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv);

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

typedef struct {
    bolectl_opts_t *o;
    bole_client_t *client;
    char **prefixes;
    size_t n_prefixes;
    uint64_t last;             /* Highest seq printed. */
    uint64_t printed;
    uint64_t count;            /* 0: no limit. */
    const char *state;         /* NULL: none kept. */
    int dirty;
    int64_t saved_ms;
    int down;                  /* The daemon did not answer last time. */
} watch_t;

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int s_parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

/* Writes the state file atomically (temp file + rename). */
static void s_save(watch_t *w, int force)
{
    if (!w->state || !w->dirty)
        return;
    int64_t now = s_now_ms();
    if (!force && now - w->saved_ms < SAVE_MS)
        return;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", w->state);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%" PRIu64 "\n", w->last) < 0 || fclose(f) != 0 ||
        rename(tmp, w->state) != 0) {
        fprintf(stderr, "bolectl: cannot write state file %s: %s\n", w->state, strerror(errno));
        return;
    }
    w->dirty = 0;
    w->saved_ms = now;
}

static void s_print(watch_t *w, const Bole__Event *e, const char *topic)
{
    const char *talent = "", *need = "", *reason = "";
    int withdrawn = 0, improved = 0;
    double score = 0;
    if (e->body_case == BOLE__EVENT__BODY_MATCH && e->match && e->match->match) {
        talent = e->match->match->talent_id;
        need = e->match->match->need_id;
        score = e->match->match->score;
        improved = e->match->improved;
    } else if (e->body_case == BOLE__EVENT__BODY_WITHDRAWN && e->withdrawn) {
        withdrawn = 1;
        talent = e->withdrawn->talent_id;
        need = e->withdrawn->need_id;
        reason = e->withdrawn->reason;
    }
    if (w->o->json) {
        printf("{\"seq\":%" PRIu64 ",\"topic\":", e->seq);
        bolectl_json_str(stdout, topic);
        printf(",\"type\":\"%s\",\"talent\":", withdrawn ? "withdrawn" : "match");
        bolectl_json_str(stdout, talent);
        fputs(",\"need\":", stdout);
        bolectl_json_str(stdout, need);
        if (withdrawn) {
            fputs(",\"reason\":", stdout);
            bolectl_json_str(stdout, reason);
        } else {
            fputs(",\"score\":", stdout);
            bolectl_json_num(stdout, score);
            printf(",\"improved\":%s", improved ? "true" : "false");
        }
        printf(",\"at\":%" PRId64 "}\n", e->at);
    } else if (withdrawn) {
        printf("%" PRIu64 " %s %s %s withdrawn (%s)\n", e->seq, topic, talent, need, reason);
    } else {
        printf("%" PRIu64 " %s %s %s %.3f%s\n", e->seq, topic, talent, need, score,
               improved ? " improved" : "");
    }
    fflush(stdout);
    w->last = e->seq;
    w->printed++;
    w->dirty = 1;
    s_save(w, 0);
}

static int s_done(const watch_t *w) { return s_stop || (w->count && w->printed >= w->count); }

/* Catches up through MatchesSince until nothing more is stored. Returns 0,
 * or -1 if the daemon could not be reached (the caller retries later). */
static int s_catch_up(watch_t *w)
{
    for (;;) {
        Bole__Request req = BOLE__REQUEST__INIT;
        Bole__MatchesSinceRequest b = BOLE__MATCHES_SINCE_REQUEST__INIT;
        b.since_seq = w->last;
        b.topic_prefixes = w->prefixes;
        b.n_topic_prefixes = w->n_prefixes;
        b.limit = PAGE;
        req.body_case = BOLE__REQUEST__BODY_MATCHES_SINCE;
        req.matches_since = &b;
        Bole__Response *r = NULL;
        int rc = bole_client_call(w->client, &req, &r);
        if (rc != BOLE_OK) {
            if (!w->down)
                fprintf(stderr, "bolectl: watch: %s: %s; retrying\n", w->o->server,
                        bole_strerror(rc));
            w->down = 1;
            return -1;
        }
        if (w->down)
            fprintf(stderr, "bolectl: watch: %s answers again; caught up from seq %" PRIu64 "\n",
                    w->o->server, w->last);
        w->down = 0;
        if (r->status != BOLE__STATUS_CODE__OK || !r->matches_since) {
            fprintf(stderr, "bolectl: watch: matches_since: %s\n", r->error ? r->error : "?");
            bole_response_free(r);
            return -2;
        }
        const Bole__MatchesSinceResponse *m = r->matches_since;
        for (size_t i = 0; i < m->n_events && !s_done(w); i++)
            if (m->events[i]->seq > w->last)
                s_print(w, m->events[i], m->events[i]->topic);
        int more = m->more && m->n_events > 0;
        bole_response_free(r);
        if (!more || s_done(w))
            return 0;
    }
}

static int s_read_key(const char *path, char out[41])
{
    FILE *f = fopen(path, "r");
    char line[128] = "";
    if (!f)
        return -1;
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (strlen(line) != 40)
        return -1;
    memcpy(out, line, 41);
    return 0;
}

/* The SUB socket, with CURVE when the global options give keys. */
static void *s_subscriber(void *zmq, const bolectl_opts_t *o, const char *endpoint,
                          char **prefixes, size_t n)
{
    void *sub = zmq_socket(zmq, ZMQ_SUB);
    if (!sub)
        return NULL;
    if (o->server_key_file && o->key_prefix) {
        char server[41], pub[41], sec[41], path[4200];
        int ok = s_read_key(o->server_key_file, server) == 0;
        snprintf(path, sizeof path, "%s.pub", o->key_prefix);
        ok = ok && s_read_key(path, pub) == 0;
        snprintf(path, sizeof path, "%s.key", o->key_prefix);
        ok = ok && s_read_key(path, sec) == 0;
        if (!ok || zmq_setsockopt(sub, ZMQ_CURVE_SERVERKEY, server, 40) != 0 ||
            zmq_setsockopt(sub, ZMQ_CURVE_PUBLICKEY, pub, 40) != 0 ||
            zmq_setsockopt(sub, ZMQ_CURVE_SECRETKEY, sec, 40) != 0) {
            fprintf(stderr, "bolectl: watch: cannot set up CURVE on the event socket\n");
            zmq_close(sub);
            return NULL;
        }
    }
    int linger = 0;
    zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger);
    for (size_t i = 0; i < n; i++)
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, prefixes[i], strlen(prefixes[i]));
    if (zmq_connect(sub, endpoint) != 0) {
        fprintf(stderr, "bolectl: watch: cannot connect to %s: %s\n", endpoint,
                zmq_strerror(zmq_errno()));
        zmq_close(sub);
        return NULL;
    }
    return sub;
}

/* Reads one [topic][event] message; prints it unless already printed. A
 * seq that jumps past the next one first catches up (it may be filtered
 * away, or lost). */
static void s_on_message(watch_t *w, void *sub)
{
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&topic, sub, ZMQ_DONTWAIT) < 0)
        goto out;
    if (!zmq_msg_more(&topic) || zmq_msg_recv(&body, sub, 0) < 0)
        goto out;
    while (zmq_msg_more(&body)) { /* Drop unexpected extra frames. */
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        zmq_msg_recv(&extra, sub, 0);
        int more = zmq_msg_more(&extra);
        zmq_msg_close(&extra);
        if (!more)
            break;
    }
    Bole__Event *e = bole__event__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
    if (!e)
        goto out;
    if (e->seq > w->last + 1)
        s_catch_up(w);
    if (e->seq > w->last && !s_done(w)) {
        char name[1024];
        snprintf(name, sizeof name, "%.*s", (int)zmq_msg_size(&topic),
                 (const char *)zmq_msg_data(&topic));
        s_print(w, e, name);
    }
    bole__event__free_unpacked(e, NULL);
out:
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
}

int bolectl_cmd_watch(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv)
{
    const char *events = DEFAULT_EVENTS, *state = NULL;
    uint64_t from = 0, count = 0;
    int have_from = 0;
    static char *prefixes[MAX_PREFIXES];
    size_t n_prefixes = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(cmd->help, stdout);
            return EXIT_OK_;
        }
        int takes_value = strcmp(a, "--from") == 0 || strcmp(a, "--state") == 0 ||
                          strcmp(a, "--events") == 0 || strcmp(a, "--count") == 0;
        if (takes_value && i + 1 >= argc) {
            fprintf(stderr, "bolectl: watch: %s needs a value\n", a);
            return EXIT_USAGE;
        }
        if (strcmp(a, "--from") == 0) {
            if (s_parse_u64(argv[++i], &from) != 0) {
                fprintf(stderr, "bolectl: watch: --from needs a sequence number\n");
                return EXIT_USAGE;
            }
            have_from = 1;
        } else if (strcmp(a, "--count") == 0) {
            if (s_parse_u64(argv[++i], &count) != 0 || count == 0) {
                fprintf(stderr, "bolectl: watch: --count needs a positive number\n");
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--state") == 0) {
            state = argv[++i];
        } else if (strcmp(a, "--events") == 0) {
            events = argv[++i];
        } else if (strncmp(a, "--", 2) == 0) {
            fprintf(stderr, "bolectl: watch: unknown option '%s'\n", a);
            fputs(cmd->help, stderr);
            return EXIT_USAGE;
        } else if (n_prefixes == MAX_PREFIXES) {
            fprintf(stderr, "bolectl: watch: at most %d topic prefixes\n", MAX_PREFIXES);
            return EXIT_USAGE;
        } else {
            prefixes[n_prefixes++] = (char *)a;
        }
    }
    if (n_prefixes == 0)
        prefixes[n_prefixes++] = "match.";
    char default_state[4096];
    if (!state) {
        const char *home = getenv("HOME");
        if (home && *home) {
            snprintf(default_state, sizeof default_state, "%s/%s", home, DEFAULT_STATE);
            state = default_state;
        }
    }
    if (!have_from && state) {
        FILE *f = fopen(state, "r");
        char line[64] = "";
        if (f) {
            if (fgets(line, sizeof line, f))
                line[strcspn(line, "\r\n")] = '\0';
            fclose(f);
            if (s_parse_u64(line, &from) != 0) {
                fprintf(stderr, "bolectl: watch: %s does not hold a sequence number\n", state);
                return EXIT_USAGE;
            }
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    watch_t w = {
        .o = o,
        .prefixes = prefixes,
        .n_prefixes = n_prefixes,
        .last = from,
        .count = count,
        .state = state,
    };
    w.client = bolectl_client_new(o);
    if (!w.client)
        return EXIT_TRANSPORT;
    void *zmq = zmq_ctx_new();
    void *sub = zmq ? s_subscriber(zmq, o, events, prefixes, n_prefixes) : NULL;
    if (!sub) {
        bole_client_destroy(&w.client);
        if (zmq)
            zmq_ctx_term(zmq);
        return EXIT_TRANSPORT;
    }
    /* Subscribe first, then catch up: nothing falls between the two. */
    struct timespec join = {0, JOIN_MS * 1000000L};
    nanosleep(&join, NULL);
    int rc = s_catch_up(&w);
    int status = rc == -2 ? EXIT_STATUS : EXIT_OK_;
    int64_t quiet_since = s_now_ms();
    while (rc != -2 && !s_done(&w)) {
        zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&item, 1, 500);
        if (n < 0 && zmq_errno() != EINTR)
            break;
        if (n > 0) {
            s_on_message(&w, sub);
            quiet_since = s_now_ms();
        } else if (s_now_ms() - quiet_since >= RESYNC_MS || w.down) {
            /* Silence may be a restarted daemon or a lost message. */
            rc = s_catch_up(&w);
            if (rc == -2)
                status = EXIT_STATUS;
            quiet_since = s_now_ms();
        }
        s_save(&w, 0);
    }
    s_save(&w, 1);
    zmq_close(sub);
    zmq_ctx_term(zmq);
    bole_client_destroy(&w.client);
    return status;
}
