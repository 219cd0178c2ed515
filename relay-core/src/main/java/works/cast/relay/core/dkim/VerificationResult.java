package works.cast.relay.core.dkim;

/**
 * The outcome of checking one DKIM-Signature field (RFC 6376 section 6.1; result names of RFC 8601 section 2.7.1).
 *
 * @param domain    the {@code d=} value, or empty when unreadable
 * @param selector  the {@code s=} value, or empty when unreadable
 * @param algorithm the {@code a=} value, or empty when unreadable
 * @param status    pass, fail, permerror or temperror
 * @param reason    why, in a few words ("body hash mismatch", "key not found", ...); "ok" on pass
 */
public record VerificationResult(String domain, String selector, String algorithm, Status status, String reason) {

    /** The result of one signature. */
    public enum Status {
        PASS, FAIL, PERMERROR, TEMPERROR;

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean passed() {
        return status == Status.PASS;
    }

    @Override
    public String toString() {
        return "d=" + domain + " s=" + selector + " a=" + algorithm + " " + status.text() + " (" + reason + ")";
    }
}
