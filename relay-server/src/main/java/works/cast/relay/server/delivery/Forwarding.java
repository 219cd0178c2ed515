package works.cast.relay.server.delivery;

import java.util.Map;
import org.slf4j.Logger;
import works.cast.relay.server.message.DeliveryResult;

/** The delivery log line shared by the forwarders (one line per attempt, key=value, RFC 5321 replies summarized). */
final class Forwarding {

    private Forwarding() {
    }

    static void log(Logger log, OutboundMessage m, String destination, Map<String, DeliveryResult> results) {
        log(log, m, destination, null, results);
    }

    /** With {@code tls} ({@code policy=sts tls=TLSv1.3}) after the destination, when not null. */
    static void log(Logger log, OutboundMessage m, String destination, String tls,
                    Map<String, DeliveryResult> results) {
        int delivered = 0;
        int deferred = 0;
        int failed = 0;
        String last = "";
        for (DeliveryResult r : results.values()) {
            if (r instanceof DeliveryResult.Delivered) {
                delivered++;
            } else if (r instanceof DeliveryResult.Deferred) {
                deferred++;
            } else {
                failed++;
            }
            last = r.reply().summary();
        }
        if (tls == null) {
            log.info("forwarded id={} to=\"{}\" delivered={} deferred={} failed={} reply=\"{}\"", m.id(),
                    destination, delivered, deferred, failed, last);
        } else {
            log.info("forwarded id={} to=\"{}\" {} delivered={} deferred={} failed={} reply=\"{}\"", m.id(),
                    destination, tls, delivered, deferred, failed, last);
        }
    }
}
