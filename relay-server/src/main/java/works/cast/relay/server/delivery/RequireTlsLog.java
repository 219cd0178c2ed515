package works.cast.relay.server.delivery;

import works.cast.relay.core.mail.TlsRequirement;

/** The words the delivery log line adds for a message's TLS requirement (RFC 8689). */
public final class RequireTlsLog {

    private RequireTlsLog() {
    }

    /** {@code " requiretls=yes"}, {@code " tls-required=no"}, or nothing. */
    public static String label(TlsRequirement tls) {
        return switch (tls) {
            case REQUIRED -> " requiretls=yes";
            case OPTIONAL -> " tls-required=no";
            case DEFAULT -> "";
        };
    }
}
