package works.cast.relay.server.cli;

/** A command failed for a reason the operator can act on; the message is printed as is. */
public class CliException extends RuntimeException {

    private final int exitCode;

    public CliException(String message) {
        this(message, 1);
    }

    public CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
