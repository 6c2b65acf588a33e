package org.bole.client;

import bole.Bole;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.zeromq.ZMQ;

/**
 * A blocking client for boled: typed methods for every request of
 * proto/bole.proto, a timeout per attempt, and the Lazy Pirate pattern (a
 * timeout resets the socket; idempotent calls are retried up to `retries`
 * times, the others throw BoleException.Timeout at once). Not thread-safe:
 * one client per thread (or a pool). Failures throw BoleException subclasses.
 */
public final class BoleClient implements AutoCloseable {
    /** Methods whose repetition leaves the same state as one call. */
    public static final Set<String> IDEMPOTENT = Collections.unmodifiableSet(new HashSet<>(Arrays.asList(
        "health", "stats", "reload_model", "snapshot",
        "put_talent", "put_talents", "get_talent", "delete_talent", "erase_talent",
        "put_need", "put_needs", "get_need", "close_need", "delete_need",
        "match_for_need", "match_for_talent", "matches_since",
        "put_project", "get_project", "delete_project", "team_for_projects",
        "get_event_schedule", "get_referral", "leaderboard", "referrer_statement", "verify_ledger",
        "export_outcomes", "trends", "feedback_stats")));

    private final String endpoint;
    private final Transport transport;
    private final ZMQ.Context ownCtx;
    private long timeoutMs;
    private int retries;
    private long nextId = 1;
    private long resets;

    /** Connects over jzmq. timeoutMs per attempt; retries for idempotent calls. */
    public BoleClient(String endpoint, long timeoutMs, int retries) {
        this.ownCtx = ZMQ.context(1);
        this.endpoint = endpoint;
        this.transport = new JzmqTransport(ownCtx, endpoint);
        this.timeoutMs = timeoutMs;
        this.retries = retries;
    }

    /** Uses a transport of the caller's (e.g. one with CURVE). */
    public BoleClient(String endpoint, Transport transport, long timeoutMs, int retries) {
        this.ownCtx = null;
        this.endpoint = endpoint;
        this.transport = transport;
        this.timeoutMs = timeoutMs;
        this.retries = retries;
    }

    public long resets() { return resets; }
    public void setTimeout(long ms) { timeoutMs = ms; }
    public void setRetries(int n) { retries = n; }

    @Override
    public void close() {
        transport.close();
        if (ownCtx != null) {
            ownCtx.term();
        }
    }

    /** Every method (Request oneof name) of the contract compiled in. */
    public static List<String> methods() {
        List<String> out = new ArrayList<>();
        for (Descriptors.FieldDescriptor f : Bole.Request.getDescriptor().getOneofs().get(0).getFields()) {
            out.add(f.getName());
        }
        return out;
    }

    /** The Request for `method` with `body` (null: the empty body). */
    public Bole.Request encode(String method, Message body, String clientToken, long id) {
        Descriptors.FieldDescriptor f = Bole.Request.getDescriptor().findFieldByName(method);
        if (f == null || f.getContainingOneof() == null) {
            throw new IllegalArgumentException("unknown method " + method);
        }
        Bole.Request.Builder b = Bole.Request.newBuilder().setId(id)
            .setApiVersion(Bole.ApiVersion.API_VERSION_1);
        if (clientToken != null) {
            b.setClientToken(clientToken);
        }
        Message m = body != null ? body : b.newBuilderForField(f).build();
        b.setField(f, m);
        return b.build();
    }

    /** Sends one request; returns the OK Response or throws. */
    public Bole.Response call(String method, Message body, boolean idempotent, String clientToken) {
        int attempts = 1 + (idempotent ? retries : 0);
        for (int i = 0; i < attempts; i++) {
            Bole.Request req = encode(method, body, clientToken, nextId++);
            Bole.Response resp = exchange(method, req);
            if (resp != null) {
                if (resp.getStatusValue() != 0) {
                    throw BoleException.of(method, resp);
                }
                return resp;
            }
            transport.reset();
            resets++;
        }
        throw new BoleException.Timeout(method, "no reply from " + endpoint + " within "
            + timeoutMs + " ms after " + attempts + " attempt(s)"
            + (idempotent ? "" : " (not retried: the call is not idempotent, it may or may not have been applied)"));
    }

    public Bole.Response call(String method, Message body) {
        return call(method, body, IDEMPOTENT.contains(method), null);
    }

    /** Sends req and returns the Response with its id, or null on timeout. */
    public Bole.Response exchange(String method, Bole.Request req) {
        transport.send(req.toByteArray());
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            long left = deadline - System.currentTimeMillis();
            byte[] payload = left > 0 ? transport.receive(left) : null;
            if (payload == null) {
                return null;
            }
            try {
                Bole.Response r = Bole.Response.parseFrom(payload);
                if (r.getId() == req.getId()) {
                    return r;
                }
            } catch (InvalidProtocolBufferException e) {
                throw new BoleException.TransportError(method, "undecodable reply: " + e.getMessage());
            }
        }
    }

    private static Bole.IdRequest id(String id) {
        return Bole.IdRequest.newBuilder().setId(id).build();
    }

    // ---- admin
    public Bole.HealthResponse health() { return call("health", null).getHealth(); }
    public Bole.StatsResponse stats() { return call("stats", null).getStats(); }
    public Bole.ReloadModelResponse reloadModel() { return call("reload_model", null).getReloadModel(); }
    public Bole.SnapshotResponse snapshot() { return call("snapshot", null).getSnapshot(); }

    // ---- talents
    public Bole.PutResult putTalent(Bole.Talent t) {
        return call("put_talent", Bole.PutTalentRequest.newBuilder().setTalent(t).build()).getPutTalent();
    }
    public Bole.BulkPutResponse putTalents(Iterable<Bole.Talent> ts) {
        return call("put_talents", Bole.PutTalentsRequest.newBuilder().addAllTalents(ts).build()).getPutTalents();
    }
    public Bole.Talent getTalent(String talentId) { return call("get_talent", id(talentId)).getTalent(); }
    public void deleteTalent(String talentId) { call("delete_talent", id(talentId)); }
    public void eraseTalent(String talentId) { call("erase_talent", id(talentId)); }

    // ---- needs
    public Bole.PutResult putNeed(Bole.Need n) {
        return call("put_need", Bole.PutNeedRequest.newBuilder().setNeed(n).build()).getPutNeed();
    }
    public Bole.BulkPutResponse putNeeds(Iterable<Bole.Need> ns) {
        return call("put_needs", Bole.PutNeedsRequest.newBuilder().addAllNeeds(ns).build()).getPutNeeds();
    }
    public Bole.Need getNeed(String needId) { return call("get_need", id(needId)).getNeed(); }
    public void closeNeed(String needId) { call("close_need", id(needId)); }
    public void deleteNeed(String needId) { call("delete_need", id(needId)); }

    // ---- matching
    public Bole.MatchResponse matchForNeed(Bole.MatchForNeedRequest r) { return call("match_for_need", r).getMatch(); }
    public Bole.MatchResponse matchForNeed(String needId, int k, boolean explain) {
        return matchForNeed(Bole.MatchForNeedRequest.newBuilder().setNeedId(needId).setK(k).setExplain(explain).build());
    }
    public Bole.MatchResponse matchForTalent(Bole.MatchForTalentRequest r) { return call("match_for_talent", r).getMatch(); }
    public Bole.MatchResponse matchForTalent(String talentId, int k, boolean explain) {
        return matchForTalent(Bole.MatchForTalentRequest.newBuilder().setTalentId(talentId).setK(k).setExplain(explain).build());
    }
    public Bole.MatchesSinceResponse matchesSince(long sinceSeq, List<String> topicPrefixes, int limit) {
        return call("matches_since", Bole.MatchesSinceRequest.newBuilder().setSinceSeq(sinceSeq)
            .addAllTopicPrefixes(topicPrefixes).setLimit(limit).build()).getMatchesSince();
    }

    // ---- projects and teams
    public Bole.PutResult putProject(Bole.Project p) {
        return call("put_project", Bole.PutProjectRequest.newBuilder().setProject(p).build()).getPutProject();
    }
    public Bole.Project getProject(String projectId) { return call("get_project", id(projectId)).getProject(); }
    public void deleteProject(String projectId) { call("delete_project", id(projectId)); }
    public Bole.FormTeamResponse formTeam(Bole.FormTeamRequest r) { return call("form_team", r).getFormTeam(); }
    public Bole.FormTeamResponse formTeam(String projectId, int alternatives) {
        return formTeam(Bole.FormTeamRequest.newBuilder().setProjectId(projectId).setAlternatives(alternatives).build());
    }
    public Bole.TeamForProjectsResponse teamForProjects(List<String> talentIds, int k) {
        return call("team_for_projects", Bole.TeamForProjectsRequest.newBuilder().addAllTalentIds(talentIds)
            .setK(k).build()).getTeamForProjects();
    }
    public Bole.Team updateTeam(String teamId, Bole.TeamAction action, String talentId) {
        return call("update_team", Bole.UpdateTeamRequest.newBuilder().setTeamId(teamId).setAction(action)
            .setTalentId(talentId == null ? "" : talentId).build()).getTeam();
    }

    // ---- matching events (job fairs)
    public Bole.MatchingEvent createEvent(Bole.MatchingEvent e) {
        return call("create_event", Bole.CreateEventRequest.newBuilder().setEvent(e).build()).getEvent();
    }
    public Bole.RegisterForEventResponse registerForEvent(Bole.RegisterForEventRequest r) {
        return call("register_for_event", r).getRegisterForEvent();
    }
    public Bole.EventSchedule runEventMatching(Bole.RunEventMatchingRequest r) {
        return call("run_event_matching", r).getSchedule();
    }
    public Bole.EventSchedule getEventSchedule(String eventId) {
        return call("get_event_schedule", id(eventId)).getSchedule();
    }

    // ---- referrals and the Bole Award
    /** Record a referral; with a clientToken it is retried and deduplicated. */
    public Bole.Referral refer(Bole.ReferRequest r, String clientToken) {
        boolean token = clientToken != null && !clientToken.isEmpty();
        return call("refer", r, token, clientToken).getReferral();
    }
    public Bole.Referral advanceReferral(Bole.AdvanceReferralRequest r) { return call("advance_referral", r).getReferral(); }
    public Bole.Referral getReferral(String referralId) { return call("get_referral", id(referralId)).getReferral(); }
    public Bole.LeaderboardResponse leaderboard(Bole.LeaderboardRequest r) { return call("leaderboard", r).getLeaderboard(); }
    public Bole.StatementResponse referrerStatement(String referrerId, String period) {
        return call("referrer_statement", Bole.StatementRequest.newBuilder().setReferrerId(referrerId)
            .setPeriod(period).build()).getStatement();
    }
    public Bole.VerifyLedgerResponse verifyLedger() { return call("verify_ledger", null).getVerifyLedger(); }

    // ---- feedback and outcomes
    public Bole.FeedbackResponse feedback(Bole.FeedbackRequest r) { return call("feedback", r).getFeedback(); }
    public Bole.RecordFeedbackResponse recordFeedback(Iterable<Bole.FeedbackEvent> events) {
        return call("record_feedback", Bole.RecordFeedbackRequest.newBuilder().addAllEvents(events).build())
            .getRecordFeedback();
    }
    public Bole.FeedbackStatsResponse feedbackStats(Bole.FeedbackStatsRequest r) { return call("feedback_stats", r).getFeedbackStats(); }
    public Bole.ExportOutcomesResponse exportOutcomes(Bole.ExportOutcomesRequest r) { return call("export_outcomes", r).getExportOutcomes(); }

    // ---- supply and demand
    public Bole.TrendsResponse trends(Bole.TrendsRequest r) { return call("trends", r).getTrends(); }
}
