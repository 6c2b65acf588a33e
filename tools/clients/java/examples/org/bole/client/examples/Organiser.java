package org.bole.client.examples;

import bole.Bole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bole.client.BoleClient;
import org.bole.client.BoleException;

/** Organiser flow: an event, registration, batch assignment and the booths' agendas. */
public final class Organiser {
    public static void main(String[] args) {
        String endpoint = System.getenv().getOrDefault("BOLE_ENDPOINT", "tcp://127.0.0.1:5555");
        try (BoleClient c = new BoleClient(endpoint, 10000, 2)) {
            List<Bole.Talent> ts = new ArrayList<>();
            Bole.RegisterForEventRequest.Builder reg = Bole.RegisterForEventRequest.newBuilder().setEventId("jfair-demo");
            for (int i = 0; i < 6; i++) {
                Bole.Talent.Builder t = Bole.Talent.newBuilder().setExternalId("JFT-" + i).setZone("Nankai")
                    .setOccupation("Software Developer").addIndustries("software").setExperienceYears(2 + i);
                for (String s : new String[] {"Java", "SQL", "Linux"})
                    t.addSkills(Bole.Skill.newBuilder().setName(s).setLevel(3 + i % 3));
                ts.add(t.build());
                reg.addTalentIds("JFT-" + i);
            }
            c.putTalents(ts);
            for (int j = 0; j < 2; j++) {
                c.putNeed(Bole.Need.newBuilder().setExternalId("JFN-" + j).setOrganisation("org-" + j).setZone("Nankai")
                    .setIndustry("software").setTitle("Backend Developer")
                    .addSkills(Bole.NeedSkill.newBuilder().setName("Java").setMustHave(true).setMinLevel(3)).build());
                reg.addBooths(Bole.Booth.newBuilder().setNeedId("JFN-" + j));
            }
            long start = (System.currentTimeMillis() / 3600000L + 24) * 3600000L;
            try {
                c.createEvent(Bole.MatchingEvent.newBuilder().setExternalId("jfair-demo").setName("Nankai software fair")
                    .setStartsAt(start).setEndsAt(start + 4 * 3600000L).setSlotMinutes(30).setSlotCount(3)
                    .setZone("Nankai").build());
            } catch (BoleException.Unimplemented e) {
                System.out.println("events are not served by this daemon build yet: " + e.serverMessage());
                return;
            }
            Bole.RegisterForEventResponse r = c.registerForEvent(reg.build());
            System.out.println("registered " + r.getTalentsRegistered() + " talents, " + r.getBoothsRegistered() + " booths");
            Bole.EventSchedule s = c.runEventMatching(Bole.RunEventMatchingRequest.newBuilder().setEventId("jfair-demo")
                .setMode(Bole.AssignmentMode.ASSIGNMENT_STABLE).build());
            System.out.printf("schedule: %d interviews, total score %.2f, %d unassigned, %d blocking pairs%n",
                s.getInterviewsCount(), s.getTotalScore(), s.getTalentsUnassigned(), s.getBlockingPairs());
            Map<String, List<Bole.Interview>> agenda = new TreeMap<>();
            for (Bole.Interview iv : s.getInterviewsList())
                agenda.computeIfAbsent(iv.getNeedId(), k -> new ArrayList<>()).add(iv);
            for (Map.Entry<String, List<Bole.Interview>> e : agenda.entrySet()) {
                System.out.println("booth " + e.getKey() + ":");
                e.getValue().sort((a, b) -> Integer.compare(a.getSlot(), b.getSlot()));
                for (Bole.Interview iv : e.getValue())
                    System.out.printf("  slot %d  %s (score %.2f)%n", iv.getSlot(), iv.getTalentId(), iv.getScore());
            }
        }
    }
}
