/*
 * store_schema.c - the schema, as numbered migrations (PRAGMA user_version
 * = how many have run). Append new migrations at the end, one entry per
 * change, each a complete SQL script; never edit or reorder one that has
 * shipped. Modules own their tables: name each entry's module in its
 * comment.
 */
#include "store_int.h"

const char *const bole_store_migrations[] = {
    /* 1: settings and the change log that derived state and replicas follow. */
    "CREATE TABLE meta ("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE change_log ("
    "  seq       INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at        INTEGER NOT NULL,"      /* Unix ms. */
    "  entity    TEXT NOT NULL,"         /* 'talent', 'need', ... */
    "  entity_id INTEGER NOT NULL,"      /* Internal id. */
    "  op        TEXT NOT NULL"          /* 'put', 'delete', ... */
    ");"
    "INSERT INTO meta(key, value) VALUES ('created_by', 'bole');",

    /* 2: talents and needs. The profile is the packed protobuf (so new
     * fields need no migration); the vector is float32 little-endian. */
    "CREATE TABLE talents ("
    "  id          INTEGER PRIMARY KEY,"
    "  external_id TEXT NOT NULL UNIQUE,"
    "  updated_at  INTEGER NOT NULL,"
    "  profile     BLOB NOT NULL,"
    "  vector      BLOB NOT NULL"
    ");"
    "CREATE TABLE needs ("
    "  id          INTEGER PRIMARY KEY,"
    "  external_id TEXT NOT NULL UNIQUE,"
    "  updated_at  INTEGER NOT NULL,"
    "  profile     BLOB NOT NULL,"
    "  vector      BLOB NOT NULL"
    ");",

    /* live.c (issue 4, live stream): stored events (seq = the stream's
     * sequence number; topics '\n'-separated, the event packed with seq 0
     * and no topic), announced pairs (internal ids; open = not withdrawn),
     * pushes per talent/need per UTC day, and the matcher's queue saved at
     * shutdown. */
    "CREATE TABLE live_events ("
    "  seq    INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at     INTEGER NOT NULL,"
    "  topics TEXT NOT NULL,"
    "  event  BLOB NOT NULL"
    ");"
    "CREATE TABLE live_pairs ("
    "  talent       INTEGER NOT NULL,"
    "  need         INTEGER NOT NULL,"
    "  talent_ext   TEXT NOT NULL,"
    "  need_ext     TEXT NOT NULL,"
    "  organisation TEXT NOT NULL,"
    "  zone         TEXT NOT NULL,"
    "  score        REAL NOT NULL,"
    "  seq          INTEGER NOT NULL,"
    "  open         INTEGER NOT NULL,"
    "  PRIMARY KEY (talent, need)"
    ") WITHOUT ROWID;"
    "CREATE INDEX live_pairs_need ON live_pairs(need);"
    "CREATE TABLE live_exposure ("
    "  side  INTEGER NOT NULL,"
    "  id    INTEGER NOT NULL,"
    "  day   INTEGER NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  PRIMARY KEY (side, id, day)"
    ") WITHOUT ROWID;"
    "CREATE TABLE live_pending ("
    "  n       INTEGER PRIMARY KEY,"
    "  entity  INTEGER NOT NULL,"
    "  id      INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL"
    ");",

    /* trends (trend.c): per-key supply/demand deltas, see docs/TRENDS.md. */
    "CREATE TABLE trend_delta ("
    "  n          INTEGER PRIMARY KEY,"
    "  at         INTEGER NOT NULL,"     /* Unix ms. */
    "  dim        INTEGER NOT NULL,"     /* bole.TrendDimension. */
    "  key        TEXT NOT NULL,"
    "  zone       TEXT NOT NULL,"
    "  industries TEXT NOT NULL,"        /* ",a,b," */
    "  supply     INTEGER NOT NULL,"
    "  demand     INTEGER NOT NULL"
    ");"
    "CREATE INDEX trend_delta_dim_at ON trend_delta(dim, at);",
    /* projects and teams (project.c, team.c; issue 5): projects (roles are
     * needs of kind NEED_PROJECT_ROLE), team proposals and their members.
     * A talent's accepted-team count is the number of its active member
     * rows in teams whose state is TEAM_ACCEPTED (2). */
    "CREATE TABLE projects ("
    "  id          INTEGER PRIMARY KEY,"
    "  external_id TEXT NOT NULL UNIQUE,"
    "  updated_at  INTEGER NOT NULL,"
    "  profile     BLOB NOT NULL"          /* Packed bole.Project. */
    ");"
    "CREATE TABLE teams ("
    "  id             INTEGER PRIMARY KEY,"  /* Team id is 'team-<id>'. */
    "  project_id     TEXT NOT NULL,"        /* Project external id. */
    "  state          INTEGER NOT NULL,"     /* bole.TeamAction. */
    "  max_concurrent INTEGER NOT NULL,"     /* Limit asked for when formed. */
    "  created_at     INTEGER NOT NULL,"
    "  updated_at     INTEGER NOT NULL,"
    "  team           BLOB NOT NULL"         /* Packed bole.Team. */
    ");"
    "CREATE INDEX teams_project ON teams(project_id, state);"
    "CREATE TABLE team_members ("
    "  team_id   INTEGER NOT NULL,"
    "  talent_id TEXT NOT NULL,"             /* Talent external id. */
    "  role_id   TEXT NOT NULL,"
    "  active    INTEGER NOT NULL,"          /* 0 once withdrawn. */
    "  PRIMARY KEY (team_id, talent_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX team_members_talent ON team_members(talent_id, active);",
    /* referrals + feedback (issue 6): referrers, referrals, award lines, the
     * hash-chained ledger and per-talent salts (docs/AWARD.md); the feature
     * log of served pairs and outcome events (docs/OUTCOMES.md). */
    "CREATE TABLE referrers ("
    "  id    TEXT PRIMARY KEY,"
    "  kind  INTEGER NOT NULL,"              /* bole.ReferrerKind. */
    "  name  TEXT NOT NULL,"
    "  zone  TEXT NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE referrals ("
    "  id              INTEGER PRIMARY KEY," /* 'R-<id>' on the wire. */
    "  referrer_id     TEXT NOT NULL,"
    "  talent_id       TEXT NOT NULL,"       /* External id or pseudonym. */
    "  need_id         TEXT NOT NULL,"       /* '' = talent pool. */
    "  note            TEXT NOT NULL,"
    "  stage           INTEGER NOT NULL,"    /* bole.ReferralStage. */
    "  duplicate       INTEGER NOT NULL,"
    "  credited        INTEGER NOT NULL,"
    "  credited_by     INTEGER NOT NULL,"
    "  new_talent      INTEGER NOT NULL,"
    "  urgent_need     INTEGER NOT NULL,"
    "  high_level      INTEGER NOT NULL,"
    "  urgently_needed INTEGER NOT NULL,"
    "  created_at      INTEGER NOT NULL,"
    "  updated_at      INTEGER NOT NULL,"
    "  hired_at        INTEGER NOT NULL,"
    "  client_token    TEXT UNIQUE"
    ");"
    "CREATE INDEX referrals_referrer ON referrals(referrer_id, created_at);"
    "CREATE INDEX referrals_pair ON referrals(talent_id, need_id);"
    "CREATE TABLE referral_awards ("
    "  id            INTEGER PRIMARY KEY,"
    "  referral_id   INTEGER NOT NULL,"
    "  referrer_id   TEXT NOT NULL,"
    "  stage         INTEGER NOT NULL,"
    "  rule          TEXT NOT NULL,"
    "  base          REAL NOT NULL,"
    "  multiplier    REAL NOT NULL,"
    "  points        REAL NOT NULL,"
    "  at            INTEGER NOT NULL,"
    "  rules_version TEXT NOT NULL"
    ");"
    "CREATE INDEX referral_awards_referrer ON referral_awards(referrer_id, at);"
    "CREATE INDEX referral_awards_referral ON referral_awards(referral_id);"
    "CREATE TABLE award_rules ("
    "  version     TEXT PRIMARY KEY,"
    "  text        TEXT NOT NULL,"
    "  recorded_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE ledger ("
    "  seq           INTEGER PRIMARY KEY,"   /* 1, 2, 3 ... */
    "  at            INTEGER NOT NULL,"
    "  referral_id   INTEGER NOT NULL,"
    "  event         TEXT NOT NULL,"
    "  stage         INTEGER NOT NULL,"
    "  referrer_id   TEXT NOT NULL,"
    "  talent_commit BLOB NOT NULL,"         /* SHA-256(salt 't' talent id). */
    "  talent_id     TEXT NOT NULL,"         /* Raw id, or pseudonym after erasure. */
    "  need_id       TEXT NOT NULL,"
    "  actor         TEXT NOT NULL,"
    "  note_commit   BLOB NOT NULL,"         /* SHA-256(salt 'n' note). */
    "  note          TEXT NOT NULL,"         /* Raw note, '' after erasure. */
    "  rules_version TEXT NOT NULL,"
    "  points_milli  INTEGER NOT NULL,"
    "  prev_hash     BLOB NOT NULL,"
    "  hash          BLOB NOT NULL"
    ");"
    "CREATE INDEX ledger_talent ON ledger(talent_id);"
    "CREATE TABLE talent_salts ("
    "  talent_id TEXT PRIMARY KEY,"
    "  salt      BLOB NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE feature_log ("
    "  id              INTEGER PRIMARY KEY,"
    "  request_id      TEXT NOT NULL,"
    "  source          INTEGER NOT NULL,"    /* bole.FeedbackSource. */
    "  weights_version TEXT NOT NULL,"
    "  talent_id       TEXT NOT NULL,"
    "  need_id         TEXT NOT NULL,"
    "  position        INTEGER NOT NULL,"
    "  score           REAL NOT NULL,"
    "  features        BLOB NOT NULL,"       /* float32 little-endian, rank.h order. */
    "  at              INTEGER NOT NULL"
    ");"
    "CREATE INDEX feature_log_pair ON feature_log(request_id, talent_id, need_id);"
    "CREATE INDEX feature_log_at ON feature_log(at);"
    "CREATE TABLE feedback ("
    "  seq        INTEGER PRIMARY KEY,"
    "  request_id TEXT NOT NULL,"
    "  talent_id  TEXT NOT NULL,"
    "  need_id    TEXT NOT NULL,"
    "  position   INTEGER NOT NULL,"
    "  kind       INTEGER NOT NULL,"         /* bole.FeedbackKind. */
    "  actor      TEXT NOT NULL,"
    "  at         INTEGER NOT NULL,"
    "  joined     INTEGER NOT NULL"
    ");"
    "CREATE INDEX feedback_pair ON feedback(request_id, talent_id, need_id);",

    /* events (event.c, issue 4 job fairs): events, registrations by
     * external id (a talent or need deleted later is skipped at run time),
     * and the last computed schedule per event (packed bole.EventSchedule). */
    "CREATE TABLE events ("
    "  id             INTEGER PRIMARY KEY,"
    "  external_id    TEXT NOT NULL UNIQUE,"
    "  name           TEXT NOT NULL,"
    "  starts_at      INTEGER NOT NULL,"
    "  ends_at        INTEGER NOT NULL,"
    "  slot_minutes   INTEGER NOT NULL,"
    "  slot_count     INTEGER NOT NULL,"
    "  max_interviews INTEGER NOT NULL,"
    "  zone           TEXT NOT NULL,"
    "  created_at     INTEGER NOT NULL"
    ");"
    "CREATE TABLE event_talents ("
    "  event_id INTEGER NOT NULL,"
    "  talent   TEXT NOT NULL,"
    "  PRIMARY KEY (event_id, talent)"
    ") WITHOUT ROWID;"
    "CREATE TABLE event_booths ("
    "  event_id INTEGER NOT NULL,"
    "  need     TEXT NOT NULL,"
    "  capacity INTEGER NOT NULL,"
    "  PRIMARY KEY (event_id, need)"
    ") WITHOUT ROWID;"
    "CREATE TABLE event_schedules ("
    "  event_id    INTEGER PRIMARY KEY,"
    "  computed_at INTEGER NOT NULL,"
    "  schedule    BLOB NOT NULL"
    ");",

    /* teams (team.c, issue 5): FormTeam looks up the talents at their
     * accepted-team limit on every call; without this index that query
     * walked every member row of every proposal ever made (docs/TEAMS.md,
     * Latency). */
    "CREATE INDEX teams_state ON teams(state);",

    /* live.c (issue 4): the matcher's cursor into change_log. Every change
     * up to seq has been matched and its events stored; it moves in the
     * transaction that stores the events, so a kill -9 loses nothing and
     * announces nothing twice. Starts at the end of the log (an older
     * version's queue is in live_pending). */
    "CREATE TABLE live_cursor ("
    "  id  INTEGER PRIMARY KEY CHECK (id = 1),"
    "  seq INTEGER NOT NULL"
    ");"
    "INSERT INTO live_cursor(id, seq) SELECT 1, coalesce(max(seq), 0) FROM change_log;",

    /* trends (trend.c): a derived snapshot of the in-memory trend arrays,
     * exact for the trend_delta rows with n <= upto; start-up loads it and
     * only the rows after it. Never the source of truth: missing or
     * unusable, the rows are scanned (docs/TRENDS.md, "Start-up"). */
    "CREATE TABLE trend_snapshot ("
    "  id         INTEGER PRIMARY KEY CHECK (id = 1),"
    "  upto       INTEGER NOT NULL,"     /* Last trend_delta.n it reflects. */
    "  written_at INTEGER NOT NULL,"     /* Unix ms. */
    "  data       BLOB NOT NULL"
    ");",
    /* feature log v2 (feedback.c, store_feedback.c): one row per served
     * answer instead of one per pair, the pairs packed in `pairs` (format in
     * store_feedback.c and docs/OUTCOMES.md); a pair's export seq is
     * id * 1024 + its index. Rows are never deleted (seqs must only grow).
     * The old per-pair rows are converted by bole_feature_log_pack_v1()
     * (C, registered while migrating), then the old table goes. */
    "CREATE TABLE feature_answers ("
    "  id              INTEGER PRIMARY KEY,"
    "  request_id      TEXT NOT NULL,"
    "  source          INTEGER NOT NULL,"    /* bole.FeedbackSource. */
    "  weights_version TEXT NOT NULL,"
    "  at              INTEGER NOT NULL,"    /* Serve time, Unix ms. */
    "  n_pairs         INTEGER NOT NULL,"    /* 1 .. 1024. */
    "  pairs           BLOB NOT NULL"
    ");"
    "CREATE INDEX feature_answers_request ON feature_answers(request_id);"
    "CREATE INDEX feature_answers_at ON feature_answers(at);"
    "SELECT bole_feature_log_pack_v1();"
    "DROP TABLE feature_log;",
    /* trend rows (store_trend.c, docs/TRENDS.md): one row per write, its
     * deltas packed in `deltas` (format v1 in store_trend.c) instead of one
     * row per delta. Each old row becomes a one-delta row with the same n,
     * so a trend snapshot's upto still names the same row. The (dim, at)
     * index goes: filtered Trends scan every row and unpack it. */
    "CREATE TABLE trend_rows ("
    "  n       INTEGER PRIMARY KEY,"
    "  at      INTEGER NOT NULL,"        /* Unix ms of the first delta. */
    "  deltas  BLOB NOT NULL"
    ");"
    "INSERT INTO trend_rows(n, at, deltas) "
    "  SELECT n, at, bole_trend_pack_v1(at, dim, key, zone, industries, supply, demand) "
    "  FROM trend_delta ORDER BY n;"
    "DROP TABLE trend_delta;",
};
const int bole_store_n_migrations =
    (int)(sizeof bole_store_migrations / sizeof bole_store_migrations[0]);
