package org.bole.client;

/**
 * The socket under a BoleClient: one DEALER-style connection that sends one
 * request payload behind an empty delimiter frame and receives reply
 * payloads. Kept small so another ZeroMQ binding (e.g. JeroMQ, which has
 * CURVE setters) can replace the JNI one without touching the client.
 */
public interface Transport extends AutoCloseable {
    /** Sends [empty delimiter][payload]. */
    void send(byte[] payload);

    /** The next reply payload, or null if none arrived within timeoutMs. */
    byte[] receive(long timeoutMs);

    /** Closes the socket (dropping unsent messages) and opens a fresh one. */
    void reset();

    @Override
    void close();
}
