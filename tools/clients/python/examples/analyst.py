#!/usr/bin/env python3
"""Analyst flow: supply/demand trends by skill and a paged export of the
recorded outcomes (features + outcome per recommendation) for weight tuning."""
import os
import time

import bole

c = bole.Client(os.environ.get("BOLE_ENDPOINT", bole.client.DEFAULT_ENDPOINT), timeout=10)
# Some data so the report has something to say.
c.put_talents([dict(external_id="AT-%d" % i, zone="Binhai", occupation="Analyst",
                    skills=[dict(name="SQL", level=3)], industries=["finance"]) for i in range(3)])
c.put_needs([dict(external_id="AN-%d" % i, organisation="bank-%d" % i, zone="Binhai",
                  industry="finance", title="Risk Analyst", headcount=2,
                  skills=[dict(name=s, must_have=True) for s in ("SQL", "risk modelling")])
             for i in range(3)])
m = c.match_for_need(need_id="AN-0", k=3)
c.record_feedback([dict(request_id=m.request_id, talent_id=r.talent_id, need_id="AN-0",
                        position=r.rank, kind="FEEDBACK_IMPRESSION") for r in m.results])

now = int(time.time() * 1000)
t = c.trends(dimension="TREND_SKILL", window="TREND_DAY", from_ms=now - 7 * 86400000, top=5)
print("skill shortages (demand over supply, last day):")
for g in t.shortages:
    print("  %-16s supply %5.1f demand %5.1f gap %+.2f" % (g.key, g.supply, g.demand, g.gap_ratio))
print("skill surpluses:")
for g in t.surpluses:
    print("  %-16s supply %5.1f demand %5.1f gap %+.2f" % (g.key, g.supply, g.demand, g.gap_ratio))

after, total = 0, 0
while True:
    page = c.export_outcomes(after_seq=after, limit=2)
    for row in page.rows:
        total += 1
        feats = ", ".join("%s=%.2f" % (f.feature, f.value) for f in row.features[:3])
        print("  outcome #%d %s/%s %s [%s]" % (row.seq, row.talent_id, row.need_id,
                                             bole.pb.FeedbackKind.Name(row.outcome), feats))
    after = page.last_seq
    if not page.more:
        break
print("exported %d outcome rows" % total)
# The impressions recorded above are exported at once (the daemon's feature
# log is written asynchronously, but reads of it wait for its queue).
if total < len(m.results) or not m.results:
    raise SystemExit("expected the %d impressions just recorded among the outcomes, got %d rows"
                     % (len(m.results), total))
for row in c.feedback_stats().rows:
    print("funnel %s/%s: served %d, impressions %d, clicks %d" % (
        bole.pb.FeedbackSource.Name(row.source), row.weights_version, row.served,
        row.impressions, row.clicks))
c.close()
