#!/usr/bin/env python3
"""The Python client against a real boled:
  - every request type of the contract once with good input and once with bad
    input (the right exception class, the server's message, and no state
    change where the call could have written); methods whose module has not
    landed answer UNIMPLEMENTED, which is asserted by name;
  - every Request method has a typed Client method;
  - Lazy Pirate: the daemon is stopped and restarted mid-run; an idempotent
    call retries through the restart and succeeds; non-idempotent calls time
    out at once and are not applied twice; a refer with a client_token is
    retried and recorded once;
  - the live stream: a Subscriber misses events while disconnected and gets
    them back through matches_since, with no gap and no duplicate."""

import argparse
import sys
import threading
import time

import bole
import harness
from bole import pb

FAILS = []
CHECKS = [0]
CALLED = set()


def check(cond, what):
    CHECKS[0] += 1
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def expect(exc_cls, fn, *args, **kw):
    """Run fn and check it raises exc_cls (or Unimplemented, accepted only
    for the methods listed in MAY_BE_UNIMPLEMENTED). Returns the exception."""
    try:
        fn(*args, **kw)
    except bole.BoleError as e:
        if isinstance(e, bole.Unimplemented) and e.method in MAY_BE_UNIMPLEMENTED:
            check(e.method in e.message, "UNIMPLEMENTED names the method: %s" % e)
            print("  %-20s UNIMPLEMENTED (module not in this build)" % e.method)
            return e
        check(isinstance(e, exc_cls), "%s: expected %s, got %r" % (fn.__name__, exc_cls.__name__, e))
        check(bool(e.message), "%s: the error carries a message" % fn.__name__)
        print("  %-20s bad input -> %s: %s" % (e.method, type(e).__name__, e.message))
        return e
    check(False, "%s: expected %s, no error" % (fn.__name__, exc_cls.__name__))
    return None


def good(fn, *args, **kw):
    """Run fn; returns its answer, or None if the method is UNIMPLEMENTED
    (accepted only for MAY_BE_UNIMPLEMENTED)."""
    try:
        r = fn(*args, **kw)
        print("  %-20s ok" % fn.__name__)
        return r
    except bole.Unimplemented as e:
        check(e.method in MAY_BE_UNIMPLEMENTED, "%s is UNIMPLEMENTED: %s" % (e.method, e))
        check(e.method in e.message, "UNIMPLEMENTED names the method: %s" % e)
        print("  %-20s UNIMPLEMENTED (module not in this build)" % e.method)
        return None


# Modules still in progress when this was written; everything else must work.
MAY_BE_UNIMPLEMENTED = {"create_event", "register_for_event", "run_event_matching",
                        "get_event_schedule"}


class Recorder(bole.Client):
    def call(self, method, body=None, idempotent=None, client_token=""):
        CALLED.add(method)
        return super().call(method, body, idempotent, client_token)


def talent(tid, zone="Binhai", skills=("Python", "SQL", "machine learning"), **kw):
    t = dict(external_id=tid, zone=zone, occupation="Data Scientist",
             skills=[dict(name=s, level=4, years=3) for s in skills],
             industries=["software"], experience_years=5, education="EDUCATION_BACHELOR",
             availability="AVAILABILITY_OPEN")
    t.update(kw)
    return t


def need(nid, org="org-1", zone="Binhai", must=("Python",), nice=("SQL", "machine learning"), **kw):
    n = dict(external_id=nid, organisation=org, kind="NEED_POSITION", zone=zone,
             industry="software", title="Data Scientist",
             skills=[dict(name=s, must_have=True, min_level=2) for s in must] +
                    [dict(name=s, must_have=False, min_level=2) for s in nice],
             min_experience_years=1, max_experience_years=15)
    n.update(kw)
    return n


def bad_version(c, method):
    """The request with api_version 0: refused whatever the method."""
    req = c.encode(method)
    req.api_version = 0
    resp = c._exchange(req)
    CALLED.add(method)
    check(resp is not None and resp.status == 3,
          "%s with api_version 0 -> INVALID_ARGUMENT (got %s)" % (method, resp and resp.status))
    print("  %-20s bad input (api_version 0) -> %s: %s" % (method, resp.status, resp.error))


def test_methods(c):
    print("== admin")
    h = good(c.health)
    check(h.status == "SERVING" and h.api_version == 1, "health serving v1")
    check(good(c.stats).uptime_ms >= 0, "stats")
    check(good(c.reload_model).model_version != "", "reload_model names the model")
    good(c.snapshot)
    for m in ("health", "stats", "reload_model", "snapshot", "verify_ledger"):
        bad_version(c, m)

    print("== talents")
    r = good(c.put_talent, talent("T-1"))
    check(r.created and r.internal_id > 0, "put_talent created")
    expect(bole.InvalidArgument, c.put_talent, talent("T-bad", skills=()) | {
        "skills": [dict(name="Python", level=9)]})
    expect(bole.NotFound, c.get_talent, "T-bad")
    rs = good(c.put_talents, [talent("T-%d" % i) for i in range(2, 6)])
    check(len(rs.results) == 4, "put_talents 4 results")
    e = expect(bole.InvalidArgument, c.put_talents,
               [talent("T-b1"), talent("T-b2", experience_years=-4)])
    check(e is not None and len(e.response.put_talents.errors) >= 1, "bulk errors listed per item")
    expect(bole.NotFound, c.get_talent, "T-b1")  # all or nothing
    check(good(c.get_talent, "T-1").zone == "Binhai", "get_talent")
    expect(bole.NotFound, c.get_talent, "T-nope")
    good(c.put_talent, talent("T-del"))
    good(c.delete_talent, "T-del")
    expect(bole.NotFound, c.delete_talent, "T-del")
    good(c.put_talent, talent("T-erase"))
    good(c.erase_talent, "T-erase")
    expect(bole.InvalidArgument, c.erase_talent, "")

    print("== needs")
    check(good(c.put_need, need("N-1")).created, "put_need")
    expect(bole.InvalidArgument, c.put_need, need("N-bad", min_experience_years=9,
                                                  max_experience_years=2))
    expect(bole.NotFound, c.get_need, "N-bad")
    check(len(good(c.put_needs, [need("N-2"), need("N-3")]).results) == 2, "put_needs")
    expect(bole.InvalidArgument, c.put_needs, [need("N-b1"), need("")])
    expect(bole.NotFound, c.get_need, "N-b1")
    check(good(c.get_need, "N-1").title == "Data Scientist", "get_need")
    expect(bole.NotFound, c.get_need, "N-nope")
    good(c.close_need, "N-3")
    check(c.get_need("N-3").closed, "close_need closed it")
    expect(bole.NotFound, c.close_need, "N-nope")
    good(c.put_need, need("N-del"))
    good(c.delete_need, "N-del")
    expect(bole.NotFound, c.delete_need, "N-del")

    print("== matching")
    m = good(c.match_for_need, need_id="N-1", k=5, explain=True)
    check(len(m.results) >= 1 and m.results[0].need_id == "N-1", "match_for_need results")
    expect(bole.InvalidArgument, c.match_for_need, need_id="N-1", k=5000)
    m = good(c.match_for_talent, talent_id="T-1", k=5)
    check(any(r.need_id == "N-1" for r in m.results), "match_for_talent finds N-1")
    m2 = good(c.match_for_talent, talent=talent("inline"), k=3, filter={"zones": ["Binhai"]})
    check(len(m2.results) >= 1, "inline match")
    expect(bole.NotFound, c.match_for_talent, talent_id="T-nope")
    ms = good(c.matches_since, since_seq=0, limit=10)
    check(ms.last_seq >= 0, "matches_since")
    expect(bole.InvalidArgument, c.matches_since, since_seq=0, limit=20000)

    print("== projects and teams")
    proj = dict(external_id="P-1", organisation="org-1", zone="Binhai", industry="software",
                title="Analytics platform",
                roles=[dict(role_id="P-1-ds", title="Data Scientist", headcount=2,
                            skills=[dict(name="Python", must_have=True, min_level=2)]),
                       dict(role_id="P-1-db", title="DB engineer", headcount=1,
                            skills=[dict(name="SQL", must_have=True, min_level=2)])])
    check(good(c.put_project, proj).created, "put_project")
    badp = dict(proj, external_id="P-bad", roles=[dict(role_id="P-bad-r", title="x", headcount=0)])
    expect(bole.InvalidArgument, c.put_project, badp)
    expect(bole.NotFound, c.get_project, "P-bad")
    check(len(good(c.get_project, "P-1").roles) == 2, "get_project roles")
    ft = good(c.form_team, "P-1", alternatives=2)
    check(len(ft.teams) >= 1 and len(ft.teams[0].members) >= 1, "form_team proposes a team")
    expect(bole.NotFound, c.form_team, "P-nope")
    tp = good(c.team_for_projects, ["T-1", "T-2", "T-3"], k=3)
    check(any(p.project_id == "P-1" for p in tp.projects), "team_for_projects finds P-1")
    expect(bole.InvalidArgument, c.team_for_projects, [])
    team = good(c.update_team, ft.teams[0].team_id, "TEAM_ACCEPTED")
    check(team.state == pb.TEAM_ACCEPTED, "update_team accepted")
    expect(bole.InvalidArgument, c.update_team, "not-a-team", "TEAM_ACCEPTED")
    good(c.put_project, dict(proj, external_id="P-del", roles=[dict(
        role_id="P-del-r", title="x", headcount=1)]))
    good(c.delete_project, "P-del")
    expect(bole.NotFound, c.delete_project, "P-del")

    print("== matching events")
    now = int(time.time() * 1000)
    ev = dict(external_id="fair-1", name="Spring fair", starts_at=now + 86400000,
              ends_at=now + 2 * 86400000, slot_minutes=20, slot_count=6, zone="Binhai")
    good(c.create_event, ev)
    expect(bole.InvalidArgument, c.create_event, dict(ev, external_id="fair-bad",
                                                     ends_at=now))
    good(c.register_for_event, "fair-1", talent_ids=["T-1", "T-2"], booths=[dict(need_id="N-1")])
    expect(bole.NotFound, c.register_for_event, "fair-nope", talent_ids=["T-1"])
    good(c.run_event_matching, "fair-1")
    expect(bole.NotFound, c.run_event_matching, "fair-nope")
    good(c.get_event_schedule, "fair-1")
    expect(bole.NotFound, c.get_event_schedule, "fair-nope")

    print("== referrals")
    who = dict(id="inst-1", kind="REFERRER_INSTITUTION", name="Tianjin Talent Agency", zone="Binhai")
    before = c.stats().referrals
    ref = good(c.refer, who, "T-1", "N-1", note="strong", client_token="tok-1")
    again = c.refer(who, "T-1", "N-1", note="strong", client_token="tok-1")
    check(again.referral_id == ref.referral_id, "same client_token -> same referral")
    check(c.stats().referrals == before + 1, "a repeated token records once")
    expect(bole.InvalidArgument, c.refer, dict(id="", kind="REFERRER_INSTITUTION"), "T-1")
    check(c.stats().referrals == before + 1, "bad refer recorded nothing")
    adv = good(c.advance_referral, ref.referral_id, "STAGE_VERIFIED", actor="ops")
    check(adv.stage == pb.STAGE_VERIFIED, "advance_referral")
    expect(bole.InvalidArgument, c.advance_referral, "bogus", "STAGE_VERIFIED")
    check(good(c.get_referral, ref.referral_id).talent_id == "T-1", "get_referral")
    expect(bole.NotFound, c.get_referral, "R-999999")
    good(c.leaderboard, limit=5)
    expect(bole.InvalidArgument, c.leaderboard, period="last tuesday")
    good(c.referrer_statement, "inst-1")
    expect(bole.InvalidArgument, c.referrer_statement, "")
    check(good(c.verify_ledger).ok, "ledger verifies")

    print("== feedback and outcomes")
    fb = good(c.feedback, "T-1", "N-1", "FEEDBACK_IMPRESSION", position=1, actor="portal")
    check(fb.seq > 0, "feedback seq")
    expect(bole.InvalidArgument, c.feedback, "T-1", "N-1", 0)
    rows = good(c.export_outcomes, limit=100)
    check(rows is not None, "export_outcomes")
    expect(bole.InvalidArgument, c.export_outcomes, limit=20000)
    mreq = c.match_for_need(need_id="N-1", k=3)
    rf = good(c.record_feedback, [dict(request_id=mreq.request_id, talent_id=r.talent_id,
                                       need_id="N-1", position=r.rank, kind="FEEDBACK_CLICK")
                                  for r in mreq.results])
    check(rf.recorded == len(mreq.results), "record_feedback recorded")
    expect(bole.InvalidArgument, c.record_feedback, [])
    good(c.feedback_stats)
    expect(bole.InvalidArgument, c.feedback_stats, period="yesterday-ish")

    print("== supply and demand")
    tr = good(c.trends, "TREND_SKILL", window="TREND_DAY", from_ms=now - 3 * 86400000)
    check(tr is not None, "trends")
    expect(bole.InvalidArgument, c.trends, 0)


def test_coverage(c):
    missing = [m for m in bole.methods() if not callable(getattr(bole.Client, m, None))]
    check(not missing, "typed Client methods missing for: %s (add them in bole/client.py)" % missing)
    untested = sorted(set(bole.methods()) - CALLED)
    check(not untested, "methods not exercised by this test: %s" % untested)


def test_reliability(d):
    print("== timeout and reconnect")
    c = bole.Client(d.endpoint, timeout=0.5, retries=20)
    base = c.stats()
    d.stop()
    # Non-idempotent calls time out after one attempt and are dropped with the socket.
    t0 = time.monotonic()
    try:
        c.feedback("T-1", "N-1", "FEEDBACK_CLICK")
        check(False, "feedback with the daemon down must fail")
    except bole.BoleTimeout as e:
        check("not retried" in e.message, "timeout says it was not retried: %s" % e)
    check(time.monotonic() - t0 < 2.0, "a non-idempotent call is not retried")
    try:
        c.refer(dict(id="inst-2", kind="REFERRER_INDIVIDUAL", name="x"), "T-2", "N-1")
        check(False, "refer without token with the daemon down must fail")
    except bole.BoleTimeout:
        pass
    resets = c.resets
    # An idempotent call retries through the restart.
    threading.Timer(1.2, d.start).start()
    t = c.get_talent("T-1")
    check(t.external_id == "T-1", "get_talent succeeded after restart")
    check(c.resets > resets, "the socket was reset between attempts (%d)" % c.resets)
    after = c.stats()
    check(after.referrals == base.referrals, "the timed-out refer was not applied (%d vs %d)"
          % (after.referrals, base.referrals))
    # A refer with a client_token is retried across a restart and recorded once.
    d.stop()
    threading.Timer(1.2, d.start).start()
    ref = c.refer(dict(id="inst-3", kind="REFERRER_INDIVIDUAL", name="y"), "T-3", "N-1",
                  client_token="tok-restart")
    check(ref.referral_id.startswith("R-"), "refer with token succeeded after restart")
    check(c.stats().referrals == base.referrals + 1, "recorded exactly once")
    c.close()


def test_live(d):
    print("== live stream resume")
    c = bole.Client(d.endpoint, timeout=2)
    sc = bole.Client(d.endpoint, timeout=1, retries=0)
    start = c.matches_since(since_seq=0, limit=10000).last_seq
    sub = bole.Subscriber(d.events, sc, topics=["match.need.LV-"], since_seq=start,
                          catchup_interval=0.5)
    sub._sub.setsockopt(bole.client.zmq.RECONNECT_IVL, 3000)  # widen the gap on purpose
    got = []

    def drain(want, secs):
        t_end = time.monotonic() + secs
        while time.monotonic() < t_end and len(got) < want:
            ev = sub.next(timeout=0.5)
            if ev is not None:
                got.append(ev)

    c.put_need(need("LV-1"))
    c.put_talents([talent("LVT-%d" % i) for i in range(3)])
    drain(3, 15)
    check(len(got) >= 3, "live events before the restart (%d)" % len(got))
    d.stop()
    d.start()
    # Published while the subscriber is still disconnected (reconnect in 3 s).
    c.put_talents([talent("LVT-%d" % i) for i in range(3, 6)])
    # The live matcher works after the commit: wait until the stored stream
    # holds the post-restart events before comparing.
    def stored():
        return list(c.matches_since(since_seq=start, topic_prefixes=["match.need.LV-"],
                                    limit=10000).events)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(
            e.match.match.talent_id == "LVT-5" for e in stored()):
        time.sleep(0.1)
    expected = [e.seq for e in stored()]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not got or got[-1].seq < expected[-1]):
        ev = sub.next(timeout=0.5)
        if ev is not None:
            got.append(ev)
    expected = [e.seq for e in stored()]
    seqs = [e.seq for e in got]
    check(seqs == expected, "subscriber saw exactly the stored events in order\n  got %s\n  want %s"
          % (seqs, expected))
    check(len(set(seqs)) == len(seqs), "no duplicates")
    check(any(e.match.match.talent_id == "LVT-5" for e in got), "events after the restart")
    check(sub.catchups >= 2, "caught up through matches_since (%d pages)" % sub.catchups)
    sub.close()
    sc.close()
    c.close()


def test_curve(boled, source):
    print("== CURVE")
    import os
    import zmq
    pub, sec = zmq.curve_keypair()
    other_pub, other_sec = zmq.curve_keypair()
    d = harness.Daemon(boled, source, curve_client=(pub, sec))
    allow = os.path.join(d.dir, "clients.allow")
    with open(allow, "w") as f:
        f.write("portal-test admin %s\n" % pub.decode())
    d.extra = ["--auth", allow]
    try:
        d.start()
        with bole.Client(d.endpoint, timeout=3, server_key=d.server_key_file,
                         client_keys=(pub.decode(), sec.decode())) as c:
            check(c.health().status == "SERVING", "CURVE client with an allowed key is served")
        with bole.Client(d.endpoint, timeout=0.5, retries=0, server_key=d.server_key_file,
                         client_keys=(other_pub.decode(), other_sec.decode())) as c:
            try:
                c.health()
                check(False, "a key not on the allow-list must not be served")
            except bole.BoleTimeout:
                pass
    finally:
        d.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--boled", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    d = harness.Daemon(a.boled, a.source)
    try:
        d.start()
        c = Recorder(d.endpoint, timeout=10)
        test_methods(c)
        test_coverage(c)
        c.close()
        test_reliability(d)
        test_live(d)
        test_curve(a.boled, a.source)
    except Exception:
        d.dump_log()
        raise
    finally:
        d.cleanup()
    print("%d checks, %d failures" % (CHECKS[0], len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
