package works.cast.relay.server.keys;

/**
 * A DNS update or the wait for its record failed; the message is one line naming the record, the server and the
 * DNS reason (an RCODE such as NOTAUTH or REFUSED, a TSIG error such as BADSIG, or a timeout).
 */
public final class DnsUpdateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DnsUpdateException(String message) {
        super(message);
    }

    public DnsUpdateException(String message, Throwable cause) {
        super(message, cause);
    }
}
