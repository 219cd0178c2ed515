package works.cast.relay.server.message;

import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one recipient in one delivery attempt (Kumo's Permfail/Tempfail, RFC 5321 section 4.2.1), and
 * which server said so.
 */
public sealed interface DeliveryResult {

    /** The upstream's reply, or a local one for connection failures and protocol errors. */
    Reply reply();

    /**
     * The host name of the server the forwarder talked to (or tried, for a smarthost it could not reach), for the
     * DSN's Remote-MTA field (RFC 3464 section 2.3.5); empty when no single server is concerned.
     */
    Optional<String> remoteHost();

    /** 2xx: the recipient is done. */
    record Delivered(Reply reply, Optional<String> remoteHost) implements DeliveryResult {
        public Delivered {
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(remoteHost, "remoteHost");
        }

        public Delivered(Reply reply) {
            this(reply, Optional.empty());
        }
    }

    /** 4xx or a connection failure: try again later. */
    record Deferred(Reply reply, Optional<String> remoteHost) implements DeliveryResult {
        public Deferred {
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(remoteHost, "remoteHost");
        }

        public Deferred(Reply reply) {
            this(reply, Optional.empty());
        }
    }

    /** 5xx or a condition that cannot pass (such as a missing SMTPUTF8 upstream): bounce. */
    record Failed(Reply reply, Optional<String> remoteHost) implements DeliveryResult {
        public Failed {
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(remoteHost, "remoteHost");
        }

        public Failed(Reply reply) {
            this(reply, Optional.empty());
        }
    }
}
