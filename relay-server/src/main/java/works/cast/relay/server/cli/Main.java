package works.cast.relay.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dkim-relay} command line: one subcommand per task (DESIGN.md, "Launcher and CLI"). */
@Command(name = "dkim-relay", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Outbound DKIM signing SMTP relay.",
        subcommands = {ServeCommand.class, CheckConfigCommand.class, SignCommand.class, VerifyCommand.class,
            KeysCommand.class, QueueCommand.class, works.cast.relay.server.auth.UsersCommand.class, SendCommand.class,
            VersionCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new CliErrors());
        return cl;
    }
}
