package works.cast.relay.server.delivery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientState;

/**
 * The log line of each recipient tried in a delivery attempt. The key-value pairs are the JSON log format's fields
 * (logstash names); the text is the plain line. Logged under the {@link DeliveryWorker} logger, which operators
 * filter on.
 */
final class AttemptLog {

    private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);

    private AttemptLog() {
    }

    static void attempt(QueueId id, TlsRequirement tls, AttemptOutcome.Result outcome, String upstream, long millis) {
        for (AttemptOutcome.Line l : outcome.lines()) {
            String reply = l.result().reply().summary().replace('"', '\'');
            var line = log.atInfo().addKeyValue("queue_id", id.toString()).addKeyValue("rcpt", l.address())
                    .addKeyValue("upstream", upstream).addKeyValue("reply", reply).addKeyValue("duration_ms", millis)
                    .addKeyValue("result", l.label())
                    .addKeyValue("next", l.status().state() == RecipientState.PENDING ? l.next() : "-");
            if (l.status().state() == RecipientState.EXPIRED) {
                line = line.addKeyValue("reason", "expired");
            }
            if (tls != TlsRequirement.DEFAULT) {
                line = line.addKeyValue("tls_requirement", tls.label());
            }
            line.log("delivery id={} rcpt={} upstream={} reply=\"{}\" duration_ms={} result={} next={}{}", id,
                    l.address(), upstream, reply, millis, l.label(), l.next(), RequireTlsLog.label(tls));
        }
    }
}
