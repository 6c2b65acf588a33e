#!/usr/bin/env python3
"""Organiser flow: create a job-fair event, register talents and booths, run
the batch assignment and print each booth's agenda. If this daemon build has
no events module yet, says so (UNIMPLEMENTED) and exits 0."""
import collections
import os
import time

import bole

c = bole.Client(os.environ.get("BOLE_ENDPOINT", bole.client.DEFAULT_ENDPOINT), timeout=10)
c.put_talents([dict(external_id="FT-%d" % i, zone="Nankai", occupation="Software Developer",
                    skills=[dict(name=s, level=3 + i % 3) for s in ("Java", "SQL", "Linux")],
                    industries=["software"], experience_years=2 + i) for i in range(6)])
c.put_needs([dict(external_id="FN-%d" % j, organisation="org-%d" % j, zone="Nankai",
                  industry="software", title="Backend Developer",
                  skills=[dict(name="Java", must_have=True, min_level=3), dict(name="SQL")])
             for j in range(2)])
start = (int(time.time()) // 3600 + 24) * 3600 * 1000
try:
    c.create_event(dict(external_id="fair-demo", name="Nankai software fair", starts_at=start,
                        ends_at=start + 4 * 3600 * 1000, slot_minutes=30, slot_count=3,
                        zone="Nankai"))
except bole.Unimplemented as e:
    print("events are not served by this daemon build yet:", e.message)
    raise SystemExit(0)
reg = c.register_for_event("fair-demo", talent_ids=["FT-%d" % i for i in range(6)],
                           booths=[dict(need_id="FN-0"), dict(need_id="FN-1", capacity=2)])
print("registered %d talents, %d booths" % (reg.talents_registered, reg.booths_registered))
sched = c.run_event_matching("fair-demo", mode="ASSIGNMENT_OPTIMAL")
print("schedule: %d interviews, total score %.2f, %d talents unassigned"
      % (len(sched.interviews), sched.total_score, sched.talents_unassigned))
agenda = collections.defaultdict(list)
for iv in sched.interviews:
    agenda[iv.need_id].append(iv)
for booth, ivs in sorted(agenda.items()):
    print("booth %s:" % booth)
    for iv in sorted(ivs, key=lambda x: x.slot):
        print("  slot %d %s  %s (score %.2f)" % (iv.slot, time.strftime(
            "%H:%M", time.gmtime(iv.starts_at / 1000)), iv.talent_id, iv.score))
c.close()
