package works.cast.relay.core.dkim.canon;

/** Shared constant byte arrays; never modified. */
final class Bytes {
    static final byte[] CRLF = {'\r', '\n'};
    static final byte[] CR_ONLY = {'\r'};
    static final byte[] SP = {' '};

    private Bytes() {
    }
}
