package works.cast.relay.server.delivery;

import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.json.Json;

/** The envelope sidecar of a message in the outbox, as a small JSON document. */
final class EnvelopeJson {

    private EnvelopeJson() {
    }

    static String of(AcceptedMessage m) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\n  \"id\": ").append(q(m.id().value()))
                .append(",\n  \"mail_from\": ").append(q(m.envelope().reversePath()))
                .append(",\n  \"rcpt_to\": [");
        for (int i = 0; i < m.envelope().recipients().size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(q(m.envelope().recipients().get(i)));
        }
        sb.append("],\n  \"received\": ").append(q(m.received().toString()))
                .append(",\n  \"client\": ").append(q(m.clientAddress()))
                .append(",\n  \"auth_user\": ").append(m.authUser().map(EnvelopeJson::q).orElse("null"))
                .append(",\n  \"from_domain\": ").append(m.authorDomain().map(EnvelopeJson::q).orElse("null"))
                .append(",\n  \"dkim\": [");
        for (int i = 0; i < m.signatures().size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(q(m.signatures().get(i)));
        }
        sb.append("],\n  \"size\": ").append(m.size());
        if (m.envelope().tls() != works.cast.relay.core.mail.TlsRequirement.DEFAULT) {
            sb.append(",\n  \"tls\": ").append(q(m.envelope().tls().label())); // RFC 8689
        }
        sb.append("\n}\n");
        return sb.toString();
    }

    static String q(String s) {
        return Json.quote(s);
    }
}
