package works.cast.relay.core.mail;

/** The From header field does not name exactly one author mailbox (RFC 5322 section 3.6.2; RFC 7489 section 6.6.1). */
public final class FromHeaderException extends RuntimeException {

    /** What is wrong with the From field. */
    public enum Problem {
        MISSING("message has no From header field"),
        MULTIPLE_FIELDS("message has more than one From header field"),
        MULTIPLE_MAILBOXES("From header field names more than one mailbox"),
        NO_MAILBOX("From header field names no mailbox"),
        INVALID("From header field cannot be parsed");

        private final String text;

        Problem(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    private final Problem problem;

    public FromHeaderException(Problem problem) {
        super(problem.text());
        this.problem = problem;
    }

    public FromHeaderException(Problem problem, String detail) {
        super(problem.text() + ": " + detail);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
