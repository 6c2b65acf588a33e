#!/usr/bin/env python3
"""Portal backend flow: register talents and needs, match, record what the
user saw and clicked, refer a talent. Endpoint from $BOLE_ENDPOINT."""
import os
import uuid

import bole

c = bole.Client(os.environ.get("BOLE_ENDPOINT", bole.client.DEFAULT_ENDPOINT), timeout=5)
print("connected:", c.health().version)

people = [("EX-T1", "Data Scientist", ["Python", "SQL", "machine learning"]),
          ("EX-T2", "Data Engineer", ["SQL", "Python", "Spark"]),
          ("EX-T3", "Registered Nurse", ["patient care", "nursing"])]
r = c.put_talents([dict(external_id=i, zone="Binhai", occupation=o, industries=["software"],
                        skills=[dict(name=s, level=4, years=3) for s in sk],
                        experience_years=4, education="EDUCATION_BACHELOR") for i, o, sk in people])
print("talents stored:", ", ".join("%s (#%d)" % (x.external_id, x.internal_id) for x in r.results))

c.put_need(dict(external_id="EX-N1", organisation="Binhai Analytics", kind="NEED_POSITION",
                zone="Binhai", industry="software", title="Data Scientist", headcount=1,
                skills=[dict(name="Python", must_have=True, min_level=3),
                        dict(name="machine learning", min_level=2)]))
print("need stored: EX-N1 Data Scientist at Binhai Analytics")

m = c.match_for_need(need_id="EX-N1", k=3, explain=True)
print("top talents for EX-N1 (weights %s):" % m.weights_version)
for x in m.results:
    print("  %d. %-6s score %.3f  matched %s" % (x.rank, x.talent_id, x.score,
                                               ", ".join(x.explanation.matched_skills)))

events = [dict(request_id=m.request_id, talent_id=x.talent_id, need_id="EX-N1",
               position=x.rank, kind="FEEDBACK_IMPRESSION") for x in m.results]
events.append(dict(request_id=m.request_id, talent_id=m.results[0].talent_id, need_id="EX-N1",
                   position=1, kind="FEEDBACK_CLICK"))
fb = c.record_feedback(events)
print("recorded %d impressions/clicks (%d joined to the served list)" % (fb.recorded, fb.joined))

ref = c.refer(dict(id="agency-7", kind="REFERRER_INSTITUTION", name="Harbour Talent Agency"),
              talent_id=m.results[0].talent_id, need_id="EX-N1", note="met at a meetup",
              client_token=str(uuid.uuid4()))
print("referral %s: %s -> %s, stage %s" % (ref.referral_id, ref.talent_id, ref.need_id,
                                           bole.pb.ReferralStage.Name(ref.stage)))
c.close()
