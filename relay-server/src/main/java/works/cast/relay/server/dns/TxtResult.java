package works.cast.relay.server.dns;

import java.util.List;

/** The answer to one TXT lookup, keeping each record's character-strings apart (RFC 1035 section 3.3.14). */
public sealed interface TxtResult permits TxtResult.Records, TxtResult.NotFound, TxtResult.TempError {

    /** The TXT records at the name; each is the list of its character-strings, in order. */
    record Records(List<List<String>> records) implements TxtResult {
        public Records {
            records = records.stream().map(List::copyOf).toList();
        }

        /** Each record with its strings joined, as DKIM, SPF and DMARC read them (RFC 6376 section 3.6.2.2). */
        public List<String> joined() {
            return records.stream().map(r -> String.join("", r)).toList();
        }
    }

    /** NXDOMAIN, or the name exists without TXT records. */
    record NotFound(String reason) implements TxtResult {
    }

    /** Timeout, SERVFAIL, REFUSED or another failure that may pass. */
    record TempError(String reason) implements TxtResult {
    }
}
