package org.bole.client.examples;

import bole.Bole;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.bole.client.BoleClient;

/** Portal backend flow: register talents and needs, match, record impressions and clicks, refer. */
public final class Portal {
    static Bole.Talent talent(String id, String occupation, String... skills) {
        Bole.Talent.Builder b = Bole.Talent.newBuilder().setExternalId(id).setZone("Binhai")
            .setOccupation(occupation).addIndustries("software").setExperienceYears(4);
        for (String s : skills) b.addSkills(Bole.Skill.newBuilder().setName(s).setLevel(4).setYears(3));
        return b.build();
    }

    public static void main(String[] args) {
        String endpoint = System.getenv().getOrDefault("BOLE_ENDPOINT", "tcp://127.0.0.1:5555");
        try (BoleClient c = new BoleClient(endpoint, 5000, 2)) {
            System.out.println("connected: " + c.health().getVersion());
            Bole.BulkPutResponse r = c.putTalents(Arrays.asList(
                talent("JX-T1", "Data Scientist", "Python", "SQL", "machine learning"),
                talent("JX-T2", "Data Engineer", "SQL", "Python", "Spark"),
                talent("JX-T3", "Registered Nurse", "patient care", "nursing")));
            for (Bole.PutResult p : r.getResultsList())
                System.out.println("talent stored: " + p.getExternalId() + " (#" + p.getInternalId() + ")");
            c.putNeed(Bole.Need.newBuilder().setExternalId("JX-N1").setOrganisation("Binhai Analytics")
                .setKind(Bole.NeedKind.NEED_POSITION).setZone("Binhai").setIndustry("software")
                .setTitle("Data Scientist")
                .addSkills(Bole.NeedSkill.newBuilder().setName("Python").setMustHave(true).setMinLevel(3))
                .addSkills(Bole.NeedSkill.newBuilder().setName("machine learning").setMinLevel(2)).build());
            Bole.MatchResponse m = c.matchForNeed("JX-N1", 3, true);
            System.out.println("top talents for JX-N1 (weights " + m.getWeightsVersion() + "):");
            List<Bole.FeedbackEvent> fb = new ArrayList<>();
            for (Bole.MatchResult x : m.getResultsList()) {
                System.out.printf("  %d. %-6s score %.3f matched %s%n", x.getRank(), x.getTalentId(), x.getScore(),
                    String.join(", ", x.getExplanation().getMatchedSkillsList()));
                fb.add(Bole.FeedbackEvent.newBuilder().setRequestId(m.getRequestId()).setTalentId(x.getTalentId())
                    .setNeedId("JX-N1").setPosition(x.getRank()).setKind(Bole.FeedbackKind.FEEDBACK_IMPRESSION).build());
            }
            String best = m.getResults(0).getTalentId();
            fb.add(Bole.FeedbackEvent.newBuilder().setRequestId(m.getRequestId()).setTalentId(best)
                .setNeedId("JX-N1").setPosition(1).setKind(Bole.FeedbackKind.FEEDBACK_CLICK).build());
            Bole.RecordFeedbackResponse rf = c.recordFeedback(fb);
            System.out.println("recorded " + rf.getRecorded() + " impressions/clicks (" + rf.getJoined() + " joined)");
            Bole.Referral ref = c.refer(Bole.ReferRequest.newBuilder()
                .setReferrer(Bole.Referrer.newBuilder().setId("agency-7").setKind(Bole.ReferrerKind.REFERRER_INSTITUTION)
                    .setName("Harbour Talent Agency"))
                .setTalentId(best).setNeedId("JX-N1").setNote("met at a meetup").build(), UUID.randomUUID().toString());
            System.out.println("referral " + ref.getReferralId() + ": " + ref.getTalentId() + " -> " + ref.getNeedId()
                + ", stage " + ref.getStage());
        }
    }
}
