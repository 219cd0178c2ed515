package works.cast.relay.core.mail;

import java.util.Optional;

/**
 * Header lines that DKIM verifiers parse differently, so that no signature over them verifies everywhere
 * (RFC 5322 section 2.2): a line that is neither a field ({@code name:}) nor the continuation of one, and a first
 * line that begins with whitespace, which continues no field and would be glued to a field the relay puts above it.
 * For a line without a colon dkimpy and OpenDKIM refuse the whole message and mailauth fails the signature; a leading
 * continuation line becomes part of the DKIM-Signature field above it, and dkimpy fails that signature.
 *
 * <p>A field name is printable US-ASCII other than the colon (ftext); whitespace between name and colon is the
 * obsolete syntax of RFC 5322 section 4.5.8 (obs-optional), accepted here and removed before signing by the caller.
 */
public final class HeaderSyntax {

    private HeaderSyntax() {
    }

    /** What is wrong with the first malformed line, for the sender to read; empty when the block is well formed. */
    public static Optional<String> problem(HeaderBlock block) {
        int line = 1;
        for (HeaderField f : block.fields()) {
            byte[] raw = f.raw();
            if (line == 1 && raw.length > 0 && (raw[0] == ' ' || raw[0] == '\t')) {
                return Optional.of("Header line 1 begins with whitespace but continues no field (RFC 5322 section 2.2.3)");
            }
            if (!f.hasColon()) {
                return Optional.of("Header line " + line + " has no colon (RFC 5322 section 2.2)");
            }
            if (!isFieldName(f.name())) {
                return Optional.of("Header line " + line
                        + " has a field name that is not printable US-ASCII without spaces (RFC 5322 section 3.6.8)");
            }
            line += lines(raw);
        }
        return Optional.empty();
    }

    private static boolean isFieldName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126) {
                return false;
            }
        }
        return true;
    }

    private static int lines(byte[] raw) {
        int n = 0;
        for (byte b : raw) {
            if (b == '\n') {
                n++;
            }
        }
        return n;
    }
}
