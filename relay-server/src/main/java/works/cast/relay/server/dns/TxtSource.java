package works.cast.relay.server.dns;

/** Looks up the TXT records of a name. May block; call off event loops. */
@FunctionalInterface
public interface TxtSource {

    /** The TXT records at {@code name} (an absolute name without the trailing dot). */
    TxtResult lookupStrings(String name);
}
