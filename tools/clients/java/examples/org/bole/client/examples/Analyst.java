package org.bole.client.examples;

import bole.Bole;
import java.util.ArrayList;
import java.util.List;
import org.bole.client.BoleClient;

/** Analyst flow: skill supply/demand trends and a paged outcome export. */
public final class Analyst {
    public static void main(String[] args) {
        String endpoint = System.getenv().getOrDefault("BOLE_ENDPOINT", "tcp://127.0.0.1:5555");
        try (BoleClient c = new BoleClient(endpoint, 10000, 2)) {
            List<Bole.Talent> ts = new ArrayList<>();
            for (int i = 0; i < 3; i++)
                ts.add(Bole.Talent.newBuilder().setExternalId("JAT-" + i).setZone("Binhai").setOccupation("Analyst")
                    .addSkills(Bole.Skill.newBuilder().setName("SQL").setLevel(3)).addIndustries("finance").build());
            c.putTalents(ts);
            for (int i = 0; i < 3; i++)
                c.putNeed(Bole.Need.newBuilder().setExternalId("JAN-" + i).setOrganisation("bank-" + i).setZone("Binhai")
                    .setIndustry("finance").setTitle("Risk Analyst").setHeadcount(2)
                    .addSkills(Bole.NeedSkill.newBuilder().setName("SQL").setMustHave(true))
                    .addSkills(Bole.NeedSkill.newBuilder().setName("risk modelling").setMustHave(true)).build());
            long now = System.currentTimeMillis();
            Bole.TrendsResponse t = c.trends(Bole.TrendsRequest.newBuilder().setDimension(Bole.TrendDimension.TREND_SKILL)
                .setWindow(Bole.TrendWindow.TREND_DAY).setFrom(now - 7 * 86400000L).setTop(5).build());
            System.out.println("skill shortages (demand over supply):");
            for (Bole.KeyGap g : t.getShortagesList())
                System.out.printf("  %-16s supply %5.1f demand %5.1f gap %+.2f%n", g.getKey(), g.getSupply(), g.getDemand(), g.getGapRatio());
            long after = 0;
            int total = 0;
            while (true) {
                Bole.ExportOutcomesResponse page = c.exportOutcomes(Bole.ExportOutcomesRequest.newBuilder()
                    .setAfterSeq(after).setLimit(100).build());
                for (Bole.OutcomeRow row : page.getRowsList()) {
                    total++;
                    System.out.println("  outcome #" + row.getSeq() + " " + row.getTalentId() + "/" + row.getNeedId()
                        + " " + row.getOutcome());
                }
                after = page.getLastSeq();
                if (!page.getMore()) break;
            }
            System.out.println("exported " + total + " outcome rows");
        }
    }
}
