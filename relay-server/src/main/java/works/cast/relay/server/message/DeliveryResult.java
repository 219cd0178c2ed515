package works.cast.relay.server.message;

import java.util.Objects;

/**
 * What happened to one recipient in one delivery attempt (Kumo's Permfail/Tempfail, RFC 5321 section 4.2.1).
 */
public sealed interface DeliveryResult {

    /** The upstream's reply, or a local one for connection failures and protocol errors. */
    Reply reply();

    /** 2xx: the recipient is done. */
    record Delivered(Reply reply) implements DeliveryResult {
        public Delivered {
            Objects.requireNonNull(reply, "reply");
        }
    }

    /** 4xx or a connection failure: try again later. */
    record Deferred(Reply reply) implements DeliveryResult {
        public Deferred {
            Objects.requireNonNull(reply, "reply");
        }
    }

    /** 5xx or a condition that cannot pass (such as a missing SMTPUTF8 upstream): bounce. */
    record Failed(Reply reply) implements DeliveryResult {
        public Failed {
            Objects.requireNonNull(reply, "reply");
        }
    }
}
