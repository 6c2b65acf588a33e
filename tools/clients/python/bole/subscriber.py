"""Subscriber: follows boled's live stream (PUB socket) and fills every gap
through matches_since, so the caller sees each stored event exactly once, in
sequence order, across disconnects and daemon restarts.

How: events are stored before they are published and carry a strictly
increasing seq. The subscriber remembers the last seq it delivered. It asks
matches_since for everything after that seq (paging while `more`) at start,
after every (re)connection of the SUB socket (seen on a socket monitor),
before the first live message that follows a disconnection, and whenever the
stream has been idle for `catchup_interval` seconds (cheap, and it closes the
short window in which a fresh subscription is not yet active). Anything whose
seq is not above the last delivered one is a duplicate and is dropped."""

import collections
import time

import zmq
import zmq.utils.monitor

import bole_pb2 as pb

from .client import load_key
from .errors import BoleError


class Subscriber:
    """events_endpoint  boled's PUB endpoint (e.g. "tcp://127.0.0.1:5556").
    client           a bole.Client for the catch-up reads (matches_since).
    topics           topic prefixes, e.g. ("match.need.N-17",); empty: all.
    since_seq        deliver events after this seq (0: the whole stored stream).
    """

    def __init__(self, events_endpoint, client, topics=(), since_seq=0,
                 catchup_interval=1.0, server_key=None, client_keys=None, context=None):
        self.client = client
        self.topics = list(topics)
        self.last_seq = since_seq
        self.catchup_interval = catchup_interval
        self.catchups = 0         # matches_since pages read
        self.duplicates = 0       # events dropped because already delivered
        self._ctx = context or zmq.Context.instance()
        self._sub = self._ctx.socket(zmq.SUB)
        self._sub.linger = 0
        if server_key is not None:
            self._sub.curve_serverkey = load_key(server_key)
            self._sub.curve_publickey = load_key(client_keys[0])
            self._sub.curve_secretkey = load_key(client_keys[1])
        for t in self.topics or [""]:
            self._sub.setsockopt(zmq.SUBSCRIBE, t.encode())
        self._mon = self._sub.get_monitor_socket(zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED)
        self._sub.connect(events_endpoint)
        self._pending = collections.deque()
        self._need_catchup = True
        self._last_activity = time.monotonic()

    def close(self):
        if self._sub is not None:
            self._sub.disable_monitor()
            self._mon.close(linger=0)
            self._sub.close(linger=0)
            self._sub = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        while True:
            ev = self.next(timeout=None)
            if ev is not None:
                yield ev

    def _deliverable(self, ev):
        if ev.seq <= self.last_seq:
            self.duplicates += 1
            return False
        return True

    def _catch_up(self):
        """Merge every stored event after last_seq into the pending queue (in
        seq order, once each). Returns False if the daemon could not be asked
        (then the catch-up stays due)."""
        after = self.last_seq
        got = {}
        try:
            while True:
                page = self.client.matches_since(since_seq=after, topic_prefixes=self.topics)
                self.catchups += 1
                for ev in page.events:
                    got[ev.seq] = ev
                    after = max(after, ev.seq)
                if not page.more or not page.events:
                    break
        except BoleError:
            return False
        for ev in self._pending:
            if ev.seq in got:
                self.duplicates += 1
            else:
                got[ev.seq] = ev
        self._pending = collections.deque(got[s] for s in sorted(got))
        self._need_catchup = False
        return True

    def _drain_monitor(self):
        while self._mon.poll(0):
            msg = zmq.utils.monitor.recv_monitor_message(self._mon)
            # Either way a catch-up is due: after a disconnection events may
            # have been missed; after a connection the subscription may not
            # have reached the daemon yet.
            if msg["event"] in (zmq.EVENT_CONNECTED, zmq.EVENT_DISCONNECTED):
                self._need_catchup = True

    def next(self, timeout=None):
        """The next event (a bole_pb2.Event), or None if none arrived within
        timeout seconds (None: wait forever)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self._drain_monitor()
            if self._need_catchup:
                self._catch_up()
            while self._pending:
                ev = self._pending.popleft()
                if self._deliverable(ev):
                    self.last_seq = ev.seq
                    return ev
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return None
            wait = self.catchup_interval
            if deadline is not None:
                wait = min(wait, deadline - now)
            poller = zmq.Poller()
            poller.register(self._sub, zmq.POLLIN)
            poller.register(self._mon, zmq.POLLIN)
            ready = dict(poller.poll(max(1, int(wait * 1000))))
            if self._mon in ready:
                self._drain_monitor()
            if self._need_catchup:
                continue  # catch up before reading live messages
            if self._sub in ready:
                frames = self._sub.recv_multipart()
                self._last_activity = time.monotonic()
                if len(frames) != 2:
                    continue
                ev = pb.Event()
                try:
                    ev.ParseFromString(frames[1])
                except Exception:
                    continue
                if ev.seq > self.last_seq + 1 and not self.topics:
                    # Unfiltered stream: seqs are contiguous, so a jump is a gap.
                    self._pending.append(ev)
                    self._need_catchup = True
                    continue
                self._pending.append(ev)
            elif time.monotonic() - self._last_activity >= self.catchup_interval:
                self._last_activity = time.monotonic()
                self._need_catchup = True
