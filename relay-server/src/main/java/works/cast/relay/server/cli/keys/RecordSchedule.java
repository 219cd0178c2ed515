package works.cast.relay.server.cli.keys;

import java.time.Instant;
import java.util.Optional;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.server.config.RotationConfig;
import works.cast.relay.server.keys.KeyCheck;
import works.cast.relay.server.keys.RecordPublisher;

/**
 * What happens to a selector's DNS record, for {@code keys list}: the DNS column (matching / different / missing /
 * revoked / not checked) and, for a retired selector, when its record is revoked and deleted
 * (signing.rotation.grace and remove-after, from retirement) and whether that has been done.
 */
final class RecordSchedule {

    private RecordSchedule() {
    }

    /** The DNS column from a key check, or "not checked". */
    static String dnsColumn(Optional<KeyCheck.Result> check) {
        if (check.isEmpty()) {
            return "not checked";
        }
        KeyCheck.Result r = check.get();
        if (r.published().size() == 1 && String.join("", r.published().get(0)).equals(RecordPublisher.REVOKED)) {
            return "revoked";
        }
        return switch (r.status()) {
            case MATCH -> "matching";
            case DIFFERENT, TRUNCATED -> "different";
            case NOT_FOUND -> "missing";
            case DNS_ERROR -> "dns-error";
        };
    }

    /** When the retired selector's record becomes {@code v=DKIM1; p=}. */
    static Optional<Instant> revokeAt(SelectorKey k, RotationConfig rotation) {
        return k.state() == SelectorState.RETIRED ? k.retired().map(t -> t.plus(rotation.grace())) : Optional.empty();
    }

    /** When the retired selector's record may be deleted. */
    static Optional<Instant> removeAt(SelectorKey k, RotationConfig rotation) {
        return k.state() == SelectorState.RETIRED ? k.retired().map(t -> t.plus(rotation.removeAfter()))
                : Optional.empty();
    }

    /** The RECORD column: "-" unless retired; then what was done and what is due when. */
    static String recordColumn(SelectorKey k, RotationConfig rotation) {
        if (k.state() != SelectorState.RETIRED || k.retired().isEmpty()) {
            return "-";
        }
        if (k.removed().isPresent()) {
            return "removed " + k.removed().get();
        }
        String remove = "remove from " + removeAt(k, rotation).orElseThrow();
        if (k.revoked().isPresent()) {
            return "revoked " + k.revoked().get() + ", " + remove;
        }
        return "revoke from " + revokeAt(k, rotation).orElseThrow() + ", " + remove;
    }

    /** For a domain the relay cannot update: the exact changes to make by hand, and from when. */
    static String manualChanges(SelectorKey k, RotationConfig rotation, String recordName) {
        return "from " + revokeAt(k, rotation).orElseThrow() + ": replace the TXT record at " + recordName
                + ". by \"" + RecordPublisher.REVOKED + "\" (" + k.selector() + " is revoked)\n"
                + "from " + removeAt(k, rotation).orElseThrow() + ": delete the TXT record at " + recordName + ".";
    }
}
