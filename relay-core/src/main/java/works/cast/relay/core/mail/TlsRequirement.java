package works.cast.relay.core.mail;

import java.util.Locale;
import java.util.Optional;

/**
 * What the sender asked of the transport of one message (RFC 8689): nothing ({@code DEFAULT}, the relay's TLS policies
 * apply), {@code REQUIRED} by the {@code REQUIRETLS} MAIL FROM parameter (section 2: only over TLS validated by
 * MTA-STS or DANE, to hops that offer REQUIRETLS), or {@code OPTIONAL} by a {@code TLS-Required: No} header field
 * (section 3: MTA-STS and DANE are ignored, TLS stays opportunistic).
 */
public enum TlsRequirement {
    DEFAULT("default"), REQUIRED("requiretls"), OPTIONAL("tls-required-no");

    private final String label;

    TlsRequirement(String label) {
        this.label = label;
    }

    /** {@code default}, {@code requiretls} or {@code tls-required-no}: for queue files, logs and metrics. */
    public String label() {
        return label;
    }

    /** The requirement with this {@link #label()}. */
    public static Optional<TlsRequirement> ofLabel(String label) {
        for (TlsRequirement t : values()) {
            if (t.label.equals(label)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * Tags a received message (RFC 8689 section 4.1): REQUIRETLS on MAIL FROM wins and the header field is then
     * ignored; otherwise a {@code TLS-Required: No} field makes TLS optional.
     */
    public static TlsRequirement of(boolean requireTlsParameter, HeaderBlock headers) {
        if (requireTlsParameter) {
            return REQUIRED;
        }
        return saysNo(headers) ? OPTIONAL : DEFAULT;
    }

    /**
     * The tag of a message the relay writes itself (a TLS report, RFC 8460, carries {@code TLS-Required: No}): its
     * header section, up to the first empty line of {@code message} in wire form, decides.
     */
    public static TlsRequirement ofMessage(byte[] message) {
        int end = message.length;
        for (int i = 0; i + 3 < message.length; i++) {
            if (message[i] == '\r' && message[i + 1] == '\n' && message[i + 2] == '\r' && message[i + 3] == '\n') {
                end = i + 2;
                break;
            }
        }
        return of(false, HeaderParser.parse(java.util.Arrays.copyOf(message, end)));
    }

    /**
     * True when a {@code TLS-Required} field says {@code No} (section 3: the only value defined; case does not
     * matter, and surrounding white space or a comment-free folded value is allowed).
     */
    public static boolean saysNo(HeaderBlock headers) {
        for (HeaderField f : headers.all("TLS-Required")) {
            if (f.unfoldedValue().trim().toLowerCase(Locale.ROOT).equals("no")) {
                return true;
            }
        }
        return false;
    }
}
