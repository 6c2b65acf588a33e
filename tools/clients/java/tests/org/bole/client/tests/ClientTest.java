package org.bole.client.tests;

import bole.Bole;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bole.client.BoleClient;
import org.bole.client.BoleException;
import org.bole.client.Subscriber;

/**
 * The Java client against a real boled (started by python/harness.py, which
 * also stops/restarts it on request): every request type with good and bad
 * input, Lazy Pirate across a restart, and the live-stream resume.
 */
public final class ClientTest {
    static int checks, fails;
    static final Set<String> called = new HashSet<>();
    static final Set<String> mayBeUnimplemented = new HashSet<>(Arrays.asList(
        "create_event", "register_for_event", "run_event_matching", "get_event_schedule"));
    static final BufferedReader in = new BufferedReader(new InputStreamReader(System.in));

    interface Call { Object run(); }

    static void check(boolean ok, String what) {
        checks++;
        if (!ok) { fails++; System.out.println("FAIL: " + what); }
    }

    static <T> T good(String method, Call c) {
        called.add(method);
        try {
            @SuppressWarnings("unchecked") T r = (T) c.run();
            System.out.println("  " + method + " ok");
            return r;
        } catch (BoleException.Unimplemented e) {
            check(mayBeUnimplemented.contains(method) && e.serverMessage().contains(method),
                  method + " UNIMPLEMENTED: " + e.getMessage());
            System.out.println("  " + method + " UNIMPLEMENTED (module not in this build)");
            return null;
        } catch (BoleException e) {
            check(false, method + " failed: " + e.getMessage());
            return null;
        }
    }

    static void bad(String method, Class<? extends BoleException> want, Call c) {
        called.add(method);
        try {
            c.run();
            check(false, method + ": expected " + want.getSimpleName() + ", no error");
        } catch (BoleException.Unimplemented e) {
            check(mayBeUnimplemented.contains(method) && e.serverMessage().contains(method),
                  method + " UNIMPLEMENTED: " + e.getMessage());
        } catch (BoleException e) {
            check(want.isInstance(e) && !e.serverMessage().isEmpty(),
                  method + ": expected " + want.getSimpleName() + ", got " + e);
            System.out.println("  " + method + " bad input -> " + e.getClass().getSimpleName() + ": " + e.serverMessage());
        }
    }

    static void harness(String what) throws Exception {
        System.out.println("@@harness " + what);
        System.out.flush();
        String reply = in.readLine();
        if (reply == null || !reply.equals("@@ok")) throw new IllegalStateException("harness: " + reply);
    }

    static Bole.Talent talent(String id) {
        Bole.Talent.Builder b = Bole.Talent.newBuilder().setExternalId(id).setZone("Binhai")
            .setOccupation("Data Scientist").addIndustries("software").setExperienceYears(5)
            .setEducation(Bole.Education.EDUCATION_BACHELOR);
        for (String s : new String[] {"Python", "SQL", "machine learning"}) {
            b.addSkills(Bole.Skill.newBuilder().setName(s).setLevel(4).setYears(3));
        }
        return b.build();
    }

    static Bole.Need need(String id) {
        return Bole.Need.newBuilder().setExternalId(id).setOrganisation("org-1").setZone("Binhai")
            .setKind(Bole.NeedKind.NEED_POSITION).setIndustry("software").setTitle("Data Scientist")
            .addSkills(Bole.NeedSkill.newBuilder().setName("Python").setMustHave(true).setMinLevel(2))
            .addSkills(Bole.NeedSkill.newBuilder().setName("SQL").setMinLevel(2)).build();
    }

    static void rawBadVersion(BoleClient c, String method) {
        called.add(method);
        Bole.Request req = c.encode(method, null, null, 999).toBuilder().setApiVersionValue(0).build();
        Bole.Response r = c.exchange(method, req);
        check(r != null && r.getStatusValue() == 3, method + " api_version 0 -> INVALID_ARGUMENT");
    }

    static void methods(BoleClient c) {
        System.out.println("== admin");
        Bole.HealthResponse h = good("health", c::health);
        check(h != null && h.getApiVersion() == 1, "health v1");
        good("stats", c::stats);
        good("reload_model", c::reloadModel);
        good("snapshot", c::snapshot);
        good("verify_ledger", c::verifyLedger);
        for (String m : new String[] {"health", "stats", "reload_model", "snapshot", "verify_ledger"}) {
            rawBadVersion(c, m);
        }
        System.out.println("== talents and needs");
        good("put_talent", () -> c.putTalent(talent("JT-1")));
        bad("put_talent", BoleException.InvalidArgument.class, () -> c.putTalent(talent("JT-bad").toBuilder()
            .setSkills(0, Bole.Skill.newBuilder().setName("x").setLevel(9)).build()));
        bad("get_talent", BoleException.NotFound.class, () -> c.getTalent("JT-bad"));
        good("put_talents", () -> c.putTalents(Arrays.asList(talent("JT-2"), talent("JT-3"), talent("JT-4"))));
        bad("put_talents", BoleException.InvalidArgument.class, () -> c.putTalents(Arrays.asList(
            talent("JT-b1"), talent("JT-b2").toBuilder().setExperienceYears(-3).build())));
        bad("get_talent", BoleException.NotFound.class, () -> c.getTalent("JT-b1"));
        Bole.Talent t = good("get_talent", () -> c.getTalent("JT-1"));
        check(t != null && t.getZone().equals("Binhai"), "get_talent zone");
        good("put_talent", () -> c.putTalent(talent("JT-del")));
        good("delete_talent", () -> { c.deleteTalent("JT-del"); return null; });
        bad("delete_talent", BoleException.NotFound.class, () -> { c.deleteTalent("JT-del"); return null; });
        good("put_talent", () -> c.putTalent(talent("JT-erase")));
        good("erase_talent", () -> { c.eraseTalent("JT-erase"); return null; });
        bad("erase_talent", BoleException.InvalidArgument.class, () -> { c.eraseTalent(""); return null; });
        good("put_need", () -> c.putNeed(need("JN-1")));
        bad("put_need", BoleException.InvalidArgument.class, () -> c.putNeed(need("JN-bad").toBuilder()
            .setMinExperienceYears(9).setMaxExperienceYears(2).build()));
        good("put_needs", () -> c.putNeeds(Arrays.asList(need("JN-2"), need("JN-3"))));
        bad("put_needs", BoleException.InvalidArgument.class, () -> c.putNeeds(Arrays.asList(need("JN-b1"), need(""))));
        bad("get_need", BoleException.NotFound.class, () -> c.getNeed("JN-b1"));
        good("get_need", () -> c.getNeed("JN-1"));
        good("close_need", () -> { c.closeNeed("JN-3"); return null; });
        bad("close_need", BoleException.NotFound.class, () -> { c.closeNeed("JN-nope"); return null; });
        good("put_need", () -> c.putNeed(need("JN-del")));
        good("delete_need", () -> { c.deleteNeed("JN-del"); return null; });
        bad("delete_need", BoleException.NotFound.class, () -> { c.deleteNeed("JN-del"); return null; });

        System.out.println("== matching");
        Bole.MatchResponse m = good("match_for_need", () -> c.matchForNeed("JN-1", 5, true));
        check(m != null && m.getResultsCount() >= 1, "match_for_need results");
        bad("match_for_need", BoleException.InvalidArgument.class, () -> c.matchForNeed("JN-1", 5000, false));
        good("match_for_talent", () -> c.matchForTalent("JT-1", 5, false));
        bad("match_for_talent", BoleException.NotFound.class, () -> c.matchForTalent("JT-nope", 5, false));
        good("matches_since", () -> c.matchesSince(0, Collections.emptyList(), 10));
        bad("matches_since", BoleException.InvalidArgument.class, () -> c.matchesSince(0, Collections.emptyList(), 20000));

        System.out.println("== projects and teams");
        Bole.Project p = Bole.Project.newBuilder().setExternalId("JP-1").setOrganisation("org-1").setZone("Binhai")
            .setIndustry("software").setTitle("Platform")
            .addRoles(Bole.ProjectRole.newBuilder().setRoleId("JP-1-ds").setTitle("DS").setHeadcount(2)
                .addSkills(Bole.NeedSkill.newBuilder().setName("Python").setMustHave(true))).build();
        good("put_project", () -> c.putProject(p));
        bad("put_project", BoleException.InvalidArgument.class, () -> c.putProject(p.toBuilder().setExternalId("JP-bad")
            .setRoles(0, p.getRoles(0).toBuilder().setRoleId("JP-bad-r").setHeadcount(0)).build()));
        good("get_project", () -> c.getProject("JP-1"));
        bad("get_project", BoleException.NotFound.class, () -> c.getProject("JP-bad"));
        Bole.FormTeamResponse ft = good("form_team", () -> c.formTeam("JP-1", 1));
        check(ft != null && ft.getTeamsCount() >= 1, "form_team proposes a team");
        bad("form_team", BoleException.NotFound.class, () -> c.formTeam("JP-nope", 1));
        good("team_for_projects", () -> c.teamForProjects(Arrays.asList("JT-1", "JT-2"), 3));
        bad("team_for_projects", BoleException.InvalidArgument.class, () -> c.teamForProjects(Collections.emptyList(), 3));
        if (ft != null && ft.getTeamsCount() > 0) {
            good("update_team", () -> c.updateTeam(ft.getTeams(0).getTeamId(), Bole.TeamAction.TEAM_ACCEPTED, null));
        }
        bad("update_team", BoleException.InvalidArgument.class, () -> c.updateTeam("nope", Bole.TeamAction.TEAM_ACCEPTED, null));
        good("put_project", () -> c.putProject(p.toBuilder().setExternalId("JP-del").setRoles(0,
            p.getRoles(0).toBuilder().setRoleId("JP-del-r")).build()));
        good("delete_project", () -> { c.deleteProject("JP-del"); return null; });
        bad("delete_project", BoleException.NotFound.class, () -> { c.deleteProject("JP-del"); return null; });

        System.out.println("== matching events");
        long now = System.currentTimeMillis();
        Bole.MatchingEvent ev = Bole.MatchingEvent.newBuilder().setExternalId("jfair-1").setName("Fair")
            .setStartsAt(now + 86400000L).setEndsAt(now + 2 * 86400000L).setSlotMinutes(20).setSlotCount(4)
            .setZone("Binhai").build();
        good("create_event", () -> c.createEvent(ev));
        bad("create_event", BoleException.InvalidArgument.class, () -> c.createEvent(ev.toBuilder()
            .setExternalId("jfair-bad").setEndsAt(now).build()));
        good("register_for_event", () -> c.registerForEvent(Bole.RegisterForEventRequest.newBuilder()
            .setEventId("jfair-1").addTalentIds("JT-1").addTalentIds("JT-2")
            .addBooths(Bole.Booth.newBuilder().setNeedId("JN-1")).build()));
        bad("register_for_event", BoleException.NotFound.class, () -> c.registerForEvent(
            Bole.RegisterForEventRequest.newBuilder().setEventId("jfair-nope").addTalentIds("JT-1").build()));
        good("run_event_matching", () -> c.runEventMatching(Bole.RunEventMatchingRequest.newBuilder()
            .setEventId("jfair-1").build()));
        bad("run_event_matching", BoleException.NotFound.class, () -> c.runEventMatching(
            Bole.RunEventMatchingRequest.newBuilder().setEventId("jfair-nope").build()));
        good("get_event_schedule", () -> c.getEventSchedule("jfair-1"));
        bad("get_event_schedule", BoleException.NotFound.class, () -> c.getEventSchedule("jfair-nope"));

        System.out.println("== referrals");
        Bole.Referrer who = Bole.Referrer.newBuilder().setId("jinst-1")
            .setKind(Bole.ReferrerKind.REFERRER_INSTITUTION).setName("Agency").build();
        Bole.ReferRequest rr = Bole.ReferRequest.newBuilder().setReferrer(who).setTalentId("JT-1").setNeedId("JN-1").build();
        long before = c.stats().getReferrals();
        Bole.Referral ref = good("refer", () -> c.refer(rr, "jtok-1"));
        Bole.Referral again = c.refer(rr, "jtok-1");
        check(ref != null && again.getReferralId().equals(ref.getReferralId()), "same token -> same referral");
        check(c.stats().getReferrals() == before + 1, "token recorded once");
        bad("refer", BoleException.InvalidArgument.class, () -> c.refer(rr.toBuilder().clearReferrer().build(), null));
        good("advance_referral", () -> c.advanceReferral(Bole.AdvanceReferralRequest.newBuilder()
            .setReferralId(ref.getReferralId()).setStage(Bole.ReferralStage.STAGE_VERIFIED).setActor("ops").build()));
        bad("advance_referral", BoleException.InvalidArgument.class, () -> c.advanceReferral(
            Bole.AdvanceReferralRequest.newBuilder().setReferralId("bogus").setStage(Bole.ReferralStage.STAGE_VERIFIED).build()));
        good("get_referral", () -> c.getReferral(ref.getReferralId()));
        bad("get_referral", BoleException.NotFound.class, () -> c.getReferral("R-999999"));
        good("leaderboard", () -> c.leaderboard(Bole.LeaderboardRequest.newBuilder().setLimit(5).build()));
        bad("leaderboard", BoleException.InvalidArgument.class, () -> c.leaderboard(
            Bole.LeaderboardRequest.newBuilder().setPeriod("soon").build()));
        good("referrer_statement", () -> c.referrerStatement("jinst-1", ""));
        bad("referrer_statement", BoleException.InvalidArgument.class, () -> c.referrerStatement("", ""));

        System.out.println("== feedback, outcomes, trends");
        good("feedback", () -> c.feedback(Bole.FeedbackRequest.newBuilder().setTalentId("JT-1").setNeedId("JN-1")
            .setKind(Bole.FeedbackKind.FEEDBACK_IMPRESSION).setPosition(1).build()));
        bad("feedback", BoleException.InvalidArgument.class, () -> c.feedback(Bole.FeedbackRequest.newBuilder()
            .setTalentId("JT-1").setNeedId("JN-1").build()));
        List<Bole.FeedbackEvent> fev = new ArrayList<>();
        if (m != null) {
            for (Bole.MatchResult r : m.getResultsList()) {
                fev.add(Bole.FeedbackEvent.newBuilder().setRequestId(m.getRequestId()).setTalentId(r.getTalentId())
                    .setNeedId("JN-1").setPosition(r.getRank()).setKind(Bole.FeedbackKind.FEEDBACK_CLICK).build());
            }
        }
        good("record_feedback", () -> c.recordFeedback(fev));
        bad("record_feedback", BoleException.InvalidArgument.class, () -> c.recordFeedback(Collections.emptyList()));
        good("feedback_stats", () -> c.feedbackStats(Bole.FeedbackStatsRequest.getDefaultInstance()));
        bad("feedback_stats", BoleException.InvalidArgument.class, () -> c.feedbackStats(
            Bole.FeedbackStatsRequest.newBuilder().setPeriod("x").build()));
        good("export_outcomes", () -> c.exportOutcomes(Bole.ExportOutcomesRequest.newBuilder().setLimit(100).build()));
        bad("export_outcomes", BoleException.InvalidArgument.class, () -> c.exportOutcomes(
            Bole.ExportOutcomesRequest.newBuilder().setLimit(20000).build()));
        good("trends", () -> c.trends(Bole.TrendsRequest.newBuilder().setDimension(Bole.TrendDimension.TREND_SKILL)
            .setWindow(Bole.TrendWindow.TREND_DAY).setFrom(now - 3 * 86400000L).build()));
        bad("trends", BoleException.InvalidArgument.class, () -> c.trends(Bole.TrendsRequest.getDefaultInstance()));

        List<String> untested = new ArrayList<>();
        for (String meth : BoleClient.methods()) if (!called.contains(meth)) untested.add(meth);
        check(untested.isEmpty(), "methods not exercised (add typed methods + tests): " + untested);
    }

    static void reliability(String endpoint) throws Exception {
        System.out.println("== timeout and reconnect");
        try (BoleClient c = new BoleClient(endpoint, 500, 20)) {
            long refs = c.stats().getReferrals();
            harness("stop");
            try {
                c.refer(Bole.ReferRequest.newBuilder().setReferrer(Bole.Referrer.newBuilder().setId("jx")
                    .setKind(Bole.ReferrerKind.REFERRER_INDIVIDUAL).setName("x")).setTalentId("JT-2").build(), null);
                check(false, "refer with the daemon down must fail");
            } catch (BoleException.Timeout e) {
                check(e.serverMessage().contains("not retried"), "timeout says not retried");
            }
            long resets = c.resets();
            Thread restarter = new Thread(() -> {
                try { Thread.sleep(1200); harness("start"); } catch (Exception e) { throw new RuntimeException(e); }
            });
            restarter.start();
            Bole.Talent t = c.getTalent("JT-1");
            restarter.join();
            check(t.getExternalId().equals("JT-1"), "get_talent succeeded after restart");
            check(c.resets() > resets, "socket reset between attempts");
            check(c.stats().getReferrals() == refs, "timed-out refer not applied");
        }
    }

    static void live(String endpoint, String events) throws Exception {
        System.out.println("== live stream resume");
        try (BoleClient c = new BoleClient(endpoint, 2000, 2);
             BoleClient sc = new BoleClient(endpoint, 1000, 0)) {
            List<String> topics = Collections.singletonList("match.need.JLV-");
            long start = c.matchesSince(0, Collections.emptyList(), 10000).getLastSeq();
            List<Long> got = new ArrayList<>();
            try (Subscriber sub = new Subscriber(events, sc, topics, start, 500, 3000)) {
                c.putNeed(need("JLV-1"));
                c.putTalents(Arrays.asList(talent("JLT-0"), talent("JLT-1")));
                long end = System.currentTimeMillis() + 15000;
                while (got.size() < 2 && System.currentTimeMillis() < end) {
                    Bole.Event e = sub.next(500);
                    if (e != null) got.add(e.getSeq());
                }
                check(got.size() >= 2, "live events before restart: " + got);
                harness("restart");
                c.putTalents(Arrays.asList(talent("JLT-2"), talent("JLT-3")));
                List<Long> want = new ArrayList<>();
                end = System.currentTimeMillis() + 20000;
                while (System.currentTimeMillis() < end) {
                    want.clear();
                    boolean last = false;
                    for (Bole.Event e : c.matchesSince(start, topics, 10000).getEventsList()) {
                        want.add(e.getSeq());
                        last |= e.getMatch().getMatch().getTalentId().equals("JLT-3");
                    }
                    if (last) break;
                    Thread.sleep(100);
                }
                end = System.currentTimeMillis() + 20000;
                while (System.currentTimeMillis() < end && (got.isEmpty() || got.get(got.size() - 1) < want.get(want.size() - 1))) {
                    Bole.Event e = sub.next(500);
                    if (e != null) got.add(e.getSeq());
                }
                check(got.equals(want), "subscriber saw exactly the stored events: got " + got + " want " + want);
                check(sub.catchups() >= 2, "caught up through matches_since");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String endpoint = System.getenv("BOLE_ENDPOINT");
        String events = System.getenv("BOLE_EVENTS");
        try (BoleClient c = new BoleClient(endpoint, 10000, 2)) {
            methods(c);
        }
        reliability(endpoint);
        live(endpoint, events);
        System.out.println(checks + " checks, " + fails + " failures");
        System.exit(fails == 0 ? 0 : 1);
    }
}
