package works.cast.relay.server.delivery.tls;

import java.util.List;

/**
 * The policy that applied to a session as an RFC 8460 report shows it (section 4.4): {@code policy-string}, the
 * MTA-STS policy's lines or the TLSA records in presentation form, and {@code mx-host}, the policy's {@code mx}
 * patterns or the MX host the TLSA records belong to. Empty lists for no policy.
 *
 * @param strings the {@code policy-string} entries
 * @param mxHosts the {@code mx-host} entries
 */
public record PolicyText(List<String> strings, List<String> mxHosts) {

    public static final PolicyText NONE = new PolicyText(List.of(), List.of());

    public PolicyText {
        strings = List.copyOf(strings);
        mxHosts = List.copyOf(mxHosts);
    }

    /** An MTA-STS policy: its lines as fetched and its {@code mx} patterns. */
    public static PolicyText of(StsPolicy policy) {
        return new PolicyText(policy.lines(), policy.mx());
    }

    public boolean isEmpty() {
        return strings.isEmpty() && mxHosts.isEmpty();
    }
}
