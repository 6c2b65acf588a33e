package org.bole.client;

import bole.Bole;

/**
 * A call that did not succeed: a non-OK bole.StatusCode (one subclass per
 * code, carrying the server's message) or a client-side failure (Timeout,
 * TransportError; status -1).
 */
public class BoleException extends RuntimeException {
    private final String method;
    private final int status;
    private final String serverMessage;
    private final Bole.Response response;

    public BoleException(String method, int status, String message, Bole.Response response) {
        super(method + ": " + statusName(status) + ": " + message);
        this.method = method;
        this.status = status;
        this.serverMessage = message;
        this.response = response;
    }

    public String method() { return method; }
    public int status() { return status; }
    public String serverMessage() { return serverMessage; }
    /** The whole Response (e.g. bulk per-item errors), or null. */
    public Bole.Response response() { return response; }

    public static String statusName(int status) {
        if (status < 0) {
            return "CLIENT";
        }
        Bole.StatusCode c = Bole.StatusCode.forNumber(status);
        return c == null ? "UNKNOWN(" + status + ")" : c.name();
    }

    public static class InvalidArgument extends BoleException {
        public InvalidArgument(String m, String msg, Bole.Response r) { super(m, 3, msg, r); } }
    public static class NotFound extends BoleException {
        public NotFound(String m, String msg, Bole.Response r) { super(m, 5, msg, r); } }
    public static class AlreadyExists extends BoleException {
        public AlreadyExists(String m, String msg, Bole.Response r) { super(m, 6, msg, r); } }
    public static class PermissionDenied extends BoleException {
        public PermissionDenied(String m, String msg, Bole.Response r) { super(m, 7, msg, r); } }
    public static class ResourceExhausted extends BoleException {
        public ResourceExhausted(String m, String msg, Bole.Response r) { super(m, 8, msg, r); } }
    public static class FailedPrecondition extends BoleException {
        public FailedPrecondition(String m, String msg, Bole.Response r) { super(m, 9, msg, r); } }
    public static class Unimplemented extends BoleException {
        public Unimplemented(String m, String msg, Bole.Response r) { super(m, 12, msg, r); } }
    public static class Internal extends BoleException {
        public Internal(String m, String msg, Bole.Response r) { super(m, 13, msg, r); } }
    public static class Unavailable extends BoleException {
        public Unavailable(String m, String msg, Bole.Response r) { super(m, 14, msg, r); } }
    public static class Unauthenticated extends BoleException {
        public Unauthenticated(String m, String msg, Bole.Response r) { super(m, 16, msg, r); } }
    public static class UnknownStatus extends BoleException {
        public UnknownStatus(String m, int s, String msg, Bole.Response r) { super(m, s, msg, r); } }
    /** No reply in time after the allowed attempts. */
    public static class Timeout extends BoleException {
        public Timeout(String m, String msg) { super(m, -1, msg, null); } }
    /** The reply could not be decoded. */
    public static class TransportError extends BoleException {
        public TransportError(String m, String msg) { super(m, -1, msg, null); } }

    static BoleException of(String method, Bole.Response r) {
        String msg = r.getError();
        switch (r.getStatusValue()) {
            case 3: return new InvalidArgument(method, msg, r);
            case 5: return new NotFound(method, msg, r);
            case 6: return new AlreadyExists(method, msg, r);
            case 7: return new PermissionDenied(method, msg, r);
            case 8: return new ResourceExhausted(method, msg, r);
            case 9: return new FailedPrecondition(method, msg, r);
            case 12: return new Unimplemented(method, msg, r);
            case 13: return new Internal(method, msg, r);
            case 14: return new Unavailable(method, msg, r);
            case 16: return new Unauthenticated(method, msg, r);
            default: return new UnknownStatus(method, r.getStatusValue(), msg, r);
        }
    }
}
