package works.cast.relay.core.mail;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The header fields of a message in order, top first (RFC 5322 section 2.2). Immutable. */
public record HeaderBlock(List<HeaderField> fields) {

    public HeaderBlock {
        fields = List.copyOf(fields);
    }

    /** Fields with the given name (any case), in message order. */
    public List<HeaderField> all(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        List<HeaderField> out = new ArrayList<>(2);
        for (HeaderField f : fields) {
            if (f.lowerName().equals(lower)) {
                out.add(f);
            }
        }
        return out;
    }

    /** How many fields carry the given name. */
    public int count(String name) {
        return all(name).size();
    }

    /** Total size of the raw fields in bytes. */
    public long byteLength() {
        long n = 0;
        for (HeaderField f : fields) {
            n += f.length();
        }
        return n;
    }
}
