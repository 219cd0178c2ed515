package works.cast.relay.core.mail;

/** The header block of a message is larger than the configured limit. */
public final class HeaderTooLargeException extends RuntimeException {
    public HeaderTooLargeException(long limit) {
        super("header block larger than " + limit + " bytes");
    }
}
