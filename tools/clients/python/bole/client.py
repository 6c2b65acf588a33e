"""Client: one DEALER socket to boled's ROUTER socket, blocking calls with a
timeout, typed methods for every request of proto/bole.proto, and the Lazy
Pirate pattern for reliability (a timeout closes and reopens the socket;
idempotent calls are retried a bounded number of times, the others raise
BoleTimeout at once because only the caller knows whether repeating them is
safe). See docs/PROTOCOL.md for the wire details."""

import itertools
import os
import time

import zmq

try:
    import bole_pb2 as pb
except ImportError as e:  # pragma: no cover - set-up error, explained
    raise ImportError(
        "bole_pb2 not found: generate it with `protoc --python_out=DIR proto/bole.proto` "
        "and put DIR on PYTHONPATH (the CMake build does this in "
        "build/tools/clients/python/gen)") from e

from .errors import BoleError, BoleTimeout, TransportError, error_for

API_VERSION_1 = 1
DEFAULT_ENDPOINT = "tcp://127.0.0.1:5555"
MAX_REPLY = 64 * 1024 * 1024

# Methods whose repetition leaves the same state as one call (reads, puts
# keyed by external id, deletes/close/erase of a named record, admin). Every
# other method is retried only when the caller makes it safe (refer with a
# client_token). Unknown (newer) methods are treated as not idempotent.
IDEMPOTENT = frozenset("""
health stats reload_model snapshot
put_talent put_talents get_talent delete_talent erase_talent
put_need put_needs get_need close_need delete_need
match_for_need match_for_talent matches_since
put_project get_project delete_project team_for_projects
get_event_schedule get_referral leaderboard referrer_statement verify_ledger
export_outcomes trends feedback_stats
""".split())


def load_key(path_or_key):
    """A Z85 key (40 characters) given as itself or as a key file path."""
    if isinstance(path_or_key, bytes):
        path_or_key = path_or_key.decode()
    if len(path_or_key) == 40 and not os.path.exists(path_or_key):
        return path_or_key.encode()
    with open(path_or_key, "r", encoding="ascii") as f:
        key = f.read().strip()
    if len(key) != 40:
        raise ValueError("%s: not a 40-character Z85 key" % path_or_key)
    return key.encode()


def _msg(cls, value=None, **fields):
    """A message of class cls from a message, a dict, or keyword fields."""
    if value is None:
        return cls(**{k: v for k, v in fields.items() if v is not None})
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        return cls(**value)
    raise TypeError("expected %s or dict, got %r" % (cls.__name__, type(value)))


class Client:
    """A connection to boled. Not thread-safe: one Client per thread.

    endpoint     request endpoint, e.g. "tcp://127.0.0.1:5555".
    timeout      seconds to wait for each reply (per attempt).
    retries      extra attempts for idempotent calls after a timeout.
    server_key   the server's CURVE public key (Z85 or <db>.key.pub path).
    client_keys  (public, secret) Z85 keys or key file paths of this client.
    """

    def __init__(self, endpoint=DEFAULT_ENDPOINT, timeout=5.0, retries=2,
                 server_key=None, client_keys=None, context=None):
        self.endpoint = endpoint
        self.timeout = float(timeout)
        self.retries = int(retries)
        self._curve = None
        if server_key is not None or client_keys is not None:
            if server_key is None or client_keys is None:
                raise ValueError("CURVE needs both server_key and client_keys")
            self._curve = (load_key(server_key), load_key(client_keys[0]),
                           load_key(client_keys[1]))
        self._ctx = context or zmq.Context.instance()
        self._ids = itertools.count(1)
        self._sock = None
        self.resets = 0          # sockets reopened after a timeout
        self.stale_replies = 0   # replies dropped for a wrong correlation id
        self._open()

    # -- socket -------------------------------------------------------------
    def _open(self):
        s = self._ctx.socket(zmq.DEALER)
        s.linger = 0
        s.setsockopt(zmq.MAXMSGSIZE, MAX_REPLY)
        if self._curve:
            s.curve_serverkey, s.curve_publickey, s.curve_secretkey = self._curve
        s.connect(self.endpoint)
        self._sock = s

    def _reset(self):
        self._sock.close(linger=0)
        self.resets += 1
        self._open()

    def close(self):
        if self._sock is not None:
            self._sock.close(linger=0)
            self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- generic call ---------------------------------------------------------
    def encode(self, method, body=None, client_token="", request_id=None):
        """The Request for `method` (a oneof name of bole.Request) as a message."""
        req = pb.Request(id=request_id if request_id is not None else next(self._ids),
                         api_version=API_VERSION_1, client_token=client_token or "")
        field = pb.Request.DESCRIPTOR.fields_by_name.get(method)
        if field is None or field.containing_oneof is None:
            raise ValueError("unknown method %r" % method)
        getattr(req, method).CopyFrom(body if body is not None else field.message_type._concrete_class())
        return req

    def call(self, method, body=None, idempotent=None, client_token=""):
        """Send one request and return the Response body message (or the
        whole Response when it has no body). Raises the BoleError subclass of
        the status, or BoleTimeout after the allowed attempts."""
        if idempotent is None:
            idempotent = method in IDEMPOTENT or (method == "refer" and bool(client_token))
        attempts = 1 + (self.retries if idempotent else 0)
        for attempt in range(attempts):
            req = self.encode(method, body, client_token)
            resp = self._exchange(req)
            if resp is not None:
                break
            self._reset()
        else:
            extra = "" if idempotent else " (not retried: the call is not idempotent, it may or may not have been applied)"
            raise BoleTimeout(method, "no reply from %s within %.1fs after %d attempt(s)%s"
                              % (self.endpoint, self.timeout, attempts, extra))
        if resp.status != 0:
            raise error_for(method, resp.status, resp.error, resp)
        which = resp.WhichOneof("body")
        return getattr(resp, which) if which else resp

    def _exchange(self, req):
        """Send req; return the matching Response, or None on timeout."""
        try:
            self._sock.send_multipart([b"", req.SerializeToString()])
        except zmq.ZMQError as e:
            raise TransportError(req.WhichOneof("body"), "send failed: %s" % e)
        deadline = _now() + self.timeout
        while True:
            left = deadline - _now()
            if left <= 0 or not self._sock.poll(int(left * 1000) + 1, zmq.POLLIN):
                return None
            frames = self._sock.recv_multipart()
            if len(frames) != 2 or frames[0] != b"":
                self.stale_replies += 1
                continue
            resp = pb.Response()
            try:
                resp.ParseFromString(frames[1])
            except Exception as e:  # DecodeError
                raise TransportError(req.WhichOneof("body"), "undecodable reply: %s" % e)
            if resp.id != req.id:
                self.stale_replies += 1
                continue
            return resp

    # -- admin ------------------------------------------------------------------
    def health(self):
        return self.call("health")

    def stats(self):
        return self.call("stats")

    def reload_model(self):
        return self.call("reload_model")

    def snapshot(self):
        return self.call("snapshot")

    # -- talents ------------------------------------------------------------------
    def put_talent(self, talent):
        return self.call("put_talent", pb.PutTalentRequest(talent=_msg(pb.Talent, talent)))

    def put_talents(self, talents):
        return self.call("put_talents", pb.PutTalentsRequest(talents=[_msg(pb.Talent, t) for t in talents]))

    def get_talent(self, talent_id):
        return self.call("get_talent", pb.IdRequest(id=talent_id))

    def delete_talent(self, talent_id):
        return self.call("delete_talent", pb.IdRequest(id=talent_id))

    def erase_talent(self, talent_id):
        return self.call("erase_talent", pb.IdRequest(id=talent_id))

    # -- needs ----------------------------------------------------------------------
    def put_need(self, need):
        return self.call("put_need", pb.PutNeedRequest(need=_msg(pb.Need, need)))

    def put_needs(self, needs):
        return self.call("put_needs", pb.PutNeedsRequest(needs=[_msg(pb.Need, n) for n in needs]))

    def get_need(self, need_id):
        return self.call("get_need", pb.IdRequest(id=need_id))

    def close_need(self, need_id):
        return self.call("close_need", pb.IdRequest(id=need_id))

    def delete_need(self, need_id):
        return self.call("delete_need", pb.IdRequest(id=need_id))

    # -- matching ---------------------------------------------------------------------
    def match_for_need(self, need_id=None, need=None, k=0, filter=None, explain=False):
        body = pb.MatchForNeedRequest(k=k, explain=explain)
        if need is not None:
            body.need.CopyFrom(_msg(pb.Need, need))
        else:
            body.need_id = need_id or ""
        if filter is not None:
            body.filter.CopyFrom(_msg(pb.MatchFilter, filter))
        return self.call("match_for_need", body)

    def match_for_talent(self, talent_id=None, talent=None, k=0, filter=None, explain=False):
        body = pb.MatchForTalentRequest(k=k, explain=explain)
        if talent is not None:
            body.talent.CopyFrom(_msg(pb.Talent, talent))
        else:
            body.talent_id = talent_id or ""
        if filter is not None:
            body.filter.CopyFrom(_msg(pb.MatchFilter, filter))
        return self.call("match_for_talent", body)

    def matches_since(self, since_seq=0, topic_prefixes=(), limit=0):
        return self.call("matches_since", pb.MatchesSinceRequest(
            since_seq=since_seq, topic_prefixes=list(topic_prefixes), limit=limit))

    # -- projects and teams -----------------------------------------------------------------
    def put_project(self, project):
        return self.call("put_project", pb.PutProjectRequest(project=_msg(pb.Project, project)))

    def get_project(self, project_id):
        return self.call("get_project", pb.IdRequest(id=project_id))

    def delete_project(self, project_id):
        return self.call("delete_project", pb.IdRequest(id=project_id))

    def form_team(self, project_id, alternatives=0, constraints=None):
        body = pb.FormTeamRequest(project_id=project_id, alternatives=alternatives)
        if constraints is not None:
            body.constraints.CopyFrom(_msg(pb.TeamConstraints, constraints))
        return self.call("form_team", body)

    def team_for_projects(self, talent_ids, k=0):
        return self.call("team_for_projects", pb.TeamForProjectsRequest(talent_ids=list(talent_ids), k=k))

    def update_team(self, team_id, action, talent_id=""):
        return self.call("update_team", pb.UpdateTeamRequest(team_id=team_id, action=action,
                                                             talent_id=talent_id))

    # -- matching events (job fairs) --------------------------------------------------------------
    def create_event(self, event):
        return self.call("create_event", pb.CreateEventRequest(event=_msg(pb.MatchingEvent, event)))

    def register_for_event(self, event_id, talent_ids=(), booths=(), talent_filter=None,
                           need_filter=None, by_filter=False):
        body = pb.RegisterForEventRequest(event_id=event_id, talent_ids=list(talent_ids),
                                          booths=[_msg(pb.Booth, b) for b in booths],
                                          by_filter=by_filter)
        if talent_filter is not None:
            body.talent_filter.CopyFrom(_msg(pb.MatchFilter, talent_filter))
        if need_filter is not None:
            body.need_filter.CopyFrom(_msg(pb.MatchFilter, need_filter))
        return self.call("register_for_event", body)

    def run_event_matching(self, event_id, mode=0, candidates_per_talent=0, min_score=0.0):
        return self.call("run_event_matching", pb.RunEventMatchingRequest(
            event_id=event_id, mode=mode, candidates_per_talent=candidates_per_talent,
            min_score=min_score))

    def get_event_schedule(self, event_id):
        return self.call("get_event_schedule", pb.IdRequest(id=event_id))

    # -- referrals and the Bole Award -------------------------------------------------------------------
    def refer(self, referrer, talent_id, need_id="", note="", client_token=None):
        """Record a referral. With a client_token (any unique string up to 128
        bytes) the daemon spots repeats, so the call is retried after a
        timeout; without one it is not."""
        body = pb.ReferRequest(referrer=_msg(pb.Referrer, referrer), talent_id=talent_id,
                               need_id=need_id, note=note)
        return self.call("refer", body, client_token=client_token or "")

    def advance_referral(self, referral_id, stage, actor="", evidence="", at=0):
        return self.call("advance_referral", pb.AdvanceReferralRequest(
            referral_id=referral_id, stage=stage, actor=actor, evidence=evidence, at=at))

    def get_referral(self, referral_id):
        return self.call("get_referral", pb.IdRequest(id=referral_id))

    def leaderboard(self, period="", zone="", kind=0, limit=0):
        return self.call("leaderboard", pb.LeaderboardRequest(period=period, zone=zone, kind=kind,
                                                              limit=limit))

    def referrer_statement(self, referrer_id, period=""):
        return self.call("referrer_statement", pb.StatementRequest(referrer_id=referrer_id,
                                                                   period=period))

    def verify_ledger(self):
        return self.call("verify_ledger")

    # -- feedback and outcomes --------------------------------------------------------------------------
    def feedback(self, talent_id, need_id, kind, position=0, actor="", at=0, request_id=""):
        return self.call("feedback", pb.FeedbackRequest(
            talent_id=talent_id, need_id=need_id, kind=kind, position=position, actor=actor,
            at=at, request_id=request_id))

    def record_feedback(self, events):
        return self.call("record_feedback", pb.RecordFeedbackRequest(
            events=[_msg(pb.FeedbackEvent, e) for e in events]))

    def feedback_stats(self, period="", source=0):
        return self.call("feedback_stats", pb.FeedbackStatsRequest(period=period, source=source))

    def export_outcomes(self, from_ms=0, to_ms=0, after_seq=0, limit=0):
        return self.call("export_outcomes", pb.ExportOutcomesRequest(
            **{"from": from_ms, "to": to_ms, "after_seq": after_seq, "limit": limit}))

    # -- supply and demand -----------------------------------------------------------------------------------
    def trends(self, dimension, window=0, from_ms=0, to_ms=0, zones=(), industries=(), keys=(),
               top=0):
        return self.call("trends", pb.TrendsRequest(
            **{"dimension": dimension, "window": window, "from": from_ms, "to": to_ms,
               "zones": list(zones), "industries": list(industries), "keys": list(keys),
               "top": top}))


def _now():
    return time.monotonic()


def methods():
    """Every method (Request oneof name) of the contract this bole_pb2 describes."""
    return [f.name for f in pb.Request.DESCRIPTOR.oneofs_by_name["body"].fields]
