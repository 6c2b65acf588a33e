package org.bole.client;

import bole.Bole;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.zeromq.ZMQ;

/**
 * Follows boled's live stream (PUB) and fills gaps through matches_since, so
 * each stored event is delivered once, in seq order, across disconnects and
 * restarts: a catch-up runs at start, after every connection or
 * disconnection seen on a socket monitor, and when the stream has been idle
 * for catchupIntervalMs. Events whose seq is not above the last delivered one
 * are dropped as duplicates. Not thread-safe.
 */
public final class Subscriber implements AutoCloseable {
    private static final int EVENT_CONNECTED = 1, EVENT_DISCONNECTED = 512;
    private final BoleClient client;
    private final List<String> topics;
    private final ZMQ.Context ctx = ZMQ.context(1);
    private final ZMQ.Socket sub;
    private final ZMQ.Socket mon;
    private final long catchupIntervalMs;
    private final ArrayDeque<Bole.Event> pending = new ArrayDeque<>();
    private long lastSeq;
    private boolean needCatchup = true;
    private long lastActivity = System.currentTimeMillis();
    private int catchups;

    public Subscriber(String eventsEndpoint, BoleClient client, List<String> topics, long sinceSeq,
                      long catchupIntervalMs, long reconnectIvlMs) {
        this.client = client;
        this.topics = new ArrayList<>(topics);
        this.lastSeq = sinceSeq;
        this.catchupIntervalMs = catchupIntervalMs;
        sub = ctx.socket(ZMQ.SUB);
        sub.setLinger(0);
        if (reconnectIvlMs > 0) {
            sub.setReconnectIVL(reconnectIvlMs);
        }
        if (this.topics.isEmpty()) {
            sub.subscribe(new byte[0]);
        }
        for (String t : this.topics) {
            sub.subscribe(t.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String monAddr = "inproc://bole-sub-mon-" + System.identityHashCode(this);
        sub.monitor(monAddr, EVENT_CONNECTED | EVENT_DISCONNECTED);
        mon = ctx.socket(ZMQ.PAIR);
        mon.setLinger(0);
        mon.connect(monAddr);
        sub.connect(eventsEndpoint);
    }

    public long lastSeq() { return lastSeq; }
    public int catchups() { return catchups; }

    private void drainMonitor() {
        byte[] f;
        while ((f = mon.recv(ZMQ.DONTWAIT)) != null) {
            while (mon.hasReceiveMore()) {
                mon.recv(0);
            }
            if (f.length >= 2) {
                int ev = (f[0] & 0xff) | ((f[1] & 0xff) << 8); // libzmq 4: u16 event, LE
                if (ev == EVENT_CONNECTED || ev == EVENT_DISCONNECTED) {
                    needCatchup = true;
                }
            }
        }
    }

    private void catchUp() {
        long after = lastSeq;
        TreeMap<Long, Bole.Event> got = new TreeMap<>();
        try {
            while (true) {
                Bole.MatchesSinceResponse page = client.matchesSince(after, topics, 0);
                catchups++;
                for (Bole.Event e : page.getEventsList()) {
                    got.put(e.getSeq(), e);
                    after = Math.max(after, e.getSeq());
                }
                if (!page.getMore() || page.getEventsCount() == 0) {
                    break;
                }
            }
        } catch (BoleException e) {
            return; // daemon unreachable: stays due
        }
        for (Bole.Event e : pending) {
            got.putIfAbsent(e.getSeq(), e);
        }
        pending.clear();
        pending.addAll(got.values());
        needCatchup = false;
    }

    /** The next event, or null if none arrived within timeoutMs. */
    public Bole.Event next(long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            drainMonitor();
            if (needCatchup) {
                catchUp();
            }
            while (!pending.isEmpty()) {
                Bole.Event e = pending.poll();
                if (e.getSeq() > lastSeq) {
                    lastSeq = e.getSeq();
                    return e;
                }
            }
            long now = System.currentTimeMillis();
            if (now >= deadline) {
                return null;
            }
            long wait = Math.max(1, Math.min(catchupIntervalMs, deadline - now));
            ZMQ.PollItem[] items = {new ZMQ.PollItem(sub, ZMQ.Poller.POLLIN),
                                    new ZMQ.PollItem(mon, ZMQ.Poller.POLLIN)};
            ZMQ.poll(items, wait);
            if (items[1].isReadable()) {
                drainMonitor();
            }
            if (needCatchup) {
                continue;
            }
            if (items[0].isReadable()) {
                sub.recv(0);
                byte[] body = sub.hasReceiveMore() ? sub.recv(0) : null;
                lastActivity = System.currentTimeMillis();
                if (body == null) {
                    continue;
                }
                try {
                    pending.add(Bole.Event.parseFrom(body));
                } catch (InvalidProtocolBufferException e) {
                    // not an Event: ignore
                }
            } else if (System.currentTimeMillis() - lastActivity >= catchupIntervalMs) {
                lastActivity = System.currentTimeMillis();
                needCatchup = true;
            }
        }
    }

    @Override
    public void close() {
        mon.close();
        sub.close();
        ctx.term();
    }
}
