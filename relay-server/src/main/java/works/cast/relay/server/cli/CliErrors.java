package works.cast.relay.server.cli;

import picocli.CommandLine;

/** Turns a failed command into one line on stderr and exit status 1: no stack traces for operator mistakes. */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cl.getErr().println("dkim-relay " + cl.getCommandName() + ": " + message);
        if (Boolean.getBoolean("dkim-relay.debug")) {
            e.printStackTrace(cl.getErr());
        }
        return e instanceof CliException ce ? ce.exitCode() : 1;
    }
}
