package works.cast.relay.server.delivery.tls;

import java.util.Locale;
import java.util.Objects;

/**
 * The TLS outcome of one MX connection attempt with what an RFC 8460 report says of a failure (section 4.3): the
 * result type, the policy that applied, and when known the MX host name, the relay's and the server's IP address,
 * the name the server gave in its greeting or EHLO reply, and the reason as text. Unknown fields are empty strings.
 * The text fields are kept printable ASCII and bounded, since they end up in reports to other organizations.
 *
 * @param type        {@code success}, {@code plaintext} (opportunistic without TLS) or an RFC 8460 result type
 * @param policy      the applied policy's text, {@link PolicyText#NONE} when unknown or none
 * @param mxHost      {@code receiving-mx-hostname}
 * @param sendingIp   {@code sending-mta-ip}
 * @param receivingIp {@code receiving-ip}
 * @param mxHelo      {@code receiving-mx-helo}
 * @param reason      {@code failure-reason-code}: the TLS alert or the check's finding
 */
public record TlsResult(String type, PolicyText policy, String mxHost, String sendingIp, String receivingIp,
                        String mxHelo, String reason) {

    /** Longest host name (RFC 1035 section 2.3.4) or IP literal kept. */
    static final int MAX_NAME = 255;
    /** Longest reason text kept. */
    static final int MAX_REASON = 200;

    public TlsResult {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(policy, "policy");
        mxHost = ascii(mxHost, MAX_NAME).toLowerCase(Locale.ROOT);
        sendingIp = ascii(sendingIp, MAX_NAME);
        receivingIp = ascii(receivingIp, MAX_NAME);
        mxHelo = ascii(mxHelo, MAX_NAME);
        reason = ascii(reason, MAX_REASON);
    }

    /** A result without any session facts. */
    public static TlsResult of(String type) {
        return new TlsResult(type, PolicyText.NONE, "", "", "", "", "");
    }

    public TlsResult withPolicy(PolicyText text) {
        return new TlsResult(type, text, mxHost, sendingIp, receivingIp, mxHelo, reason);
    }

    public TlsResult withHost(String host) {
        return new TlsResult(type, policy, host, sendingIp, receivingIp, mxHelo, reason);
    }

    public TlsResult withSession(String sending, String receiving, String helo) {
        return new TlsResult(type, policy, mxHost, sending, receiving, helo, reason);
    }

    public TlsResult withReason(String text) {
        return new TlsResult(type, policy, mxHost, sendingIp, receivingIp, mxHelo, text);
    }

    /** Printable ASCII only (others become {@code ?}, whitespace runs one space), at most {@code max} chars. */
    static String ascii(String s, int max) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ' ') {
                    sb.append(' ');
                }
            } else {
                sb.append(c >= 0x21 && c <= 0x7e ? c : '?');
            }
        }
        return sb.toString().strip();
    }
}
