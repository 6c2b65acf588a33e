package org.bole.client;

import org.zeromq.ZMQ;

/**
 * Transport over Debian's jzmq 3.1.0 (JNI binding of the system libzmq).
 * jzmq 3.1.0 has no public CURVE setters; see docs/PROTOCOL.md. Use it over
 * loopback, ipc:// or a trusted network, or plug another Transport in.
 */
public final class JzmqTransport implements Transport {
    private static final long MAX_REPLY = 64L * 1024 * 1024;
    private final ZMQ.Context ctx;
    private final String endpoint;
    private final int type;
    private ZMQ.Socket sock;

    public JzmqTransport(ZMQ.Context ctx, String endpoint) {
        this(ctx, endpoint, ZMQ.DEALER);
    }

    JzmqTransport(ZMQ.Context ctx, String endpoint, int type) {
        this.ctx = ctx;
        this.endpoint = endpoint;
        this.type = type;
        open();
    }

    private void open() {
        sock = ctx.socket(type);
        sock.setLinger(0);
        sock.setMaxMsgSize(MAX_REPLY);
        sock.connect(endpoint);
    }

    ZMQ.Socket socket() {
        return sock;
    }

    @Override
    public void send(byte[] payload) {
        sock.send(new byte[0], ZMQ.SNDMORE);
        sock.send(payload, 0);
    }

    @Override
    public byte[] receive(long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            ZMQ.PollItem[] items = {new ZMQ.PollItem(sock, ZMQ.Poller.POLLIN)};
            if (ZMQ.poll(items, left) <= 0 || !items[0].isReadable()) {
                continue;
            }
            byte[] first = sock.recv(0);
            if (!sock.hasReceiveMore()) {
                continue; // not [delimiter][payload]: drop
            }
            byte[] payload = sock.recv(0);
            while (sock.hasReceiveMore()) {
                sock.recv(0);
                payload = null;
            }
            if (first.length == 0 && payload != null) {
                return payload;
            }
        }
    }

    @Override
    public void reset() {
        sock.close();
        open();
    }

    @Override
    public void close() {
        if (sock != null) {
            sock.close();
            sock = null;
        }
    }
}
