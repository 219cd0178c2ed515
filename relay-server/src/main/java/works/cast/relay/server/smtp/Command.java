package works.cast.relay.server.smtp;

import java.util.Objects;

/**
 * One SMTP command line split into its verb and argument (RFC 5321 section 4.1.1).
 *
 * @param verb     the recognized verb, {@code UNKNOWN} otherwise
 * @param argument the text after the verb and its separating space, empty when there is none
 */
public record Command(Verb verb, String argument) {

    /** The commands the submission server understands. */
    public enum Verb { HELO, EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY, HELP, STARTTLS, AUTH, UNKNOWN }

    public Command {
        Objects.requireNonNull(verb, "verb");
        Objects.requireNonNull(argument, "argument");
    }
}
