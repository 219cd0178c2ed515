package works.cast.relay.server.intake;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.net.LogText;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.server.smtp.Reply;

/**
 * The one summary line per message: queue id, client, auth user, TLS, envelope sender, recipient count, size, From
 * domain, signatures and result. Never bodies or credentials.
 */
public class MessageLog implements IntakeListener {

    private static final Logger log = LoggerFactory.getLogger("works.cast.relay.message");

    @Override
    public void accepted(ReceivedMessage m, AcceptedMessage a) {
        log.info("message id={} session={} client={} user={} tls={} from=<{}> rcpts={} size={} domain={} dkim={} result=queued",
                m.id(), m.session().sessionId(), a.clientAddress(), LogText.escape(m.session().authUser().orElse("")),
                m.session().tlsProtocol().orElse("-"), LogText.quoted(m.envelope().reversePath()), m.envelope().recipients().size(),
                m.size(), a.authorDomain().orElse("-"), a.signatures().isEmpty() ? "none" : String.join(",", a.signatures()));
    }

    @Override
    public void rejected(ReceivedMessage m, String reason, Reply reply, Optional<String> authorDomain) {
        log.info("message id={} session={} client={} user={} tls={} from=<{}> rcpts={} size={} domain={} dkim=none result=rejected reason={} reply=\"{}\"",
                m.id(), m.session().sessionId(), m.session().client().getAddress() == null ? m.session().client().getHostString()
                        : m.session().client().getAddress().getHostAddress(), LogText.escape(m.session().authUser().orElse("")),
                m.session().tlsProtocol().orElse("-"), LogText.quoted(m.envelope().reversePath()), m.envelope().recipients().size(),
                m.size(), authorDomain.orElse("-"), reason, LogText.quoted(reply.summary()));
    }

    @Override
    public void signed(SigningRequest request, long nanos) {
    }
}
