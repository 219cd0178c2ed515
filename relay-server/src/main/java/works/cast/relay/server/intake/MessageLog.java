package works.cast.relay.server.intake;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.net.LogText;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.server.message.Reply;

/**
 * The one summary line per message: queue id, client, auth user, TLS, envelope sender, recipient count, size, From
 * domain, signatures and result. Never bodies or credentials. The same values go with the line as SLF4J key-value
 * pairs ({@code queue_id}, {@code client}, ...), which the JSON log format writes as fields of their own.
 */
public class MessageLog implements IntakeListener {

    private static final Logger log = LoggerFactory.getLogger("works.cast.relay.message");

    @Override
    public void accepted(ReceivedMessage m, AcceptedMessage a) {
        Map<String, Object> f = common(m, a.clientAddress(), a.authorDomain());
        f.put("dkim", a.signatures().isEmpty() ? "none" : String.join(",", a.signatures()));
        f.put("result", "queued");
        with(f).log("message id={} session={} client={} user={} tls={} from=<{}> rcpts={} size={} domain={} dkim={} "
                + "result=queued", f.get("queue_id"), f.get("session"), f.get("client"), f.get("user"), f.get("tls"),
                f.get("from"), f.get("rcpts"), f.get("size"), f.get("domain"), f.get("dkim"));
    }

    @Override
    public void rejected(ReceivedMessage m, String reason, Reply reply, Optional<String> authorDomain) {
        String client = m.session().client().getAddress() == null ? m.session().client().getHostString()
                : m.session().client().getAddress().getHostAddress();
        Map<String, Object> f = common(m, client, authorDomain);
        f.put("dkim", "none");
        f.put("result", "rejected");
        f.put("reason", reason);
        f.put("reply", LogText.quoted(reply.summary()));
        with(f).log("message id={} session={} client={} user={} tls={} from=<{}> rcpts={} size={} domain={} dkim=none "
                + "result=rejected reason={} reply=\"{}\"", f.get("queue_id"), f.get("session"), f.get("client"),
                f.get("user"), f.get("tls"), f.get("from"), f.get("rcpts"), f.get("size"), f.get("domain"), reason,
                f.get("reply"));
    }

    @Override
    public void signed(SigningRequest request, long nanos) {
    }

    private static Map<String, Object> common(ReceivedMessage m, String client, Optional<String> authorDomain) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("queue_id", m.id().toString());
        f.put("session", m.session().sessionId());
        f.put("client", client);
        f.put("user", LogText.escape(m.session().authUser().orElse("")));
        f.put("tls", m.session().tlsProtocol().orElse("-"));
        f.put("from", LogText.quoted(m.envelope().reversePath()));
        f.put("rcpts", m.envelope().recipients().size());
        f.put("size", m.size());
        f.put("domain", authorDomain.orElse("-"));
        return f;
    }

    private static LoggingEventBuilder with(Map<String, Object> fields) {
        LoggingEventBuilder b = log.atInfo();
        fields.forEach(b::addKeyValue);
        return b;
    }
}
