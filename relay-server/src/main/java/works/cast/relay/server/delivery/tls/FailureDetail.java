package works.cast.relay.server.delivery.tls;

/**
 * One {@code failure-details} entry of an RFC 8460 report (section 4.3): the failed sessions of one result type
 * between one relay address and one MX host address. A catch-all entry has empty host fields: the failures of that
 * type beyond the kept rows, or without a host (a policy that could not be fetched).
 *
 * @param mxHelo the name the server last gave in its greeting or EHLO reply, empty when unknown
 * @param reason the last reason seen ({@code failure-reason-code}), empty when unknown
 */
public record FailureDetail(String type, String sendingIp, String mxHost, String receivingIp, String mxHelo,
                            String reason, long count) {

    /** The fields that tell one entry from another. */
    record Key(String type, String sendingIp, String mxHost, String receivingIp) {

        static Key of(TlsResult r, String type) {
            return new Key(type, r.sendingIp(), r.mxHost(), r.receivingIp());
        }

        /** True when there is nothing to tell this row from the catch-all one. */
        boolean isEmpty() {
            return sendingIp.isEmpty() && mxHost.isEmpty() && receivingIp.isEmpty();
        }
    }
}
