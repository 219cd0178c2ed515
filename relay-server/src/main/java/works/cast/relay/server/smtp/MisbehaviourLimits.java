package works.cast.relay.server.smtp;

/**
 * The counts that end a connection that goes nowhere: error replies (Postfix {@code smtpd_hard_error_limit}) and
 * commands that move no message forward (Postfix {@code smtpd_junk_command_limit}, HELO and EHLO included). Pure.
 */
final class MisbehaviourLimits {

    private final int maxErrors;
    private final int maxJunkCommands;
    private int errors;
    private int junkCommands;

    MisbehaviourLimits(int maxErrors, int maxJunkCommands) {
        this.maxErrors = maxErrors;
        this.maxJunkCommands = maxJunkCommands;
    }

    /** Counts a command; true when it is one junk command too many. */
    boolean tooMuchJunk(Command.Verb verb) {
        return isJunk(verb) && ++junkCommands > maxJunkCommands;
    }

    /** Counts an error reply; true when it reaches the error limit. */
    boolean tooManyErrors() {
        return ++errors >= maxErrors;
    }

    /**
     * The message just read was accepted (2xx): the junk-command count starts over, so a client that sends RSET or
     * NOOP between messages on a long connection is never cut off.
     */
    void messageAccepted() {
        junkCommands = 0;
    }

    private static boolean isJunk(Command.Verb verb) {
        switch (verb) {
            case NOOP:
            case RSET:
            case VRFY:
            case HELP:
            case HELO:
            case EHLO:
                return true;
            default:
                return false;
        }
    }
}
