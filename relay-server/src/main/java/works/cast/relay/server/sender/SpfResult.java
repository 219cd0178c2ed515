package works.cast.relay.server.sender;

import java.util.Locale;

/** The results of RFC 7208 section 2.6, with the reason for a none, error or non-match. */
public record SpfResult(Code code, String detail) {

    public enum Code {
        PASS, FAIL, SOFTFAIL, NEUTRAL, NONE, PERMERROR, TEMPERROR;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static SpfResult of(Code code, String detail) {
        return new SpfResult(code, detail);
    }
}
