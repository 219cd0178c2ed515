package works.cast.relay.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import works.cast.relay.server.cli.keys.ActivateCommand;
import works.cast.relay.server.cli.keys.CheckCommand;
import works.cast.relay.server.cli.keys.DnsCommand;
import works.cast.relay.server.cli.keys.GenerateCommand;
import works.cast.relay.server.cli.keys.ImportCommand;
import works.cast.relay.server.cli.keys.ListCommand;
import works.cast.relay.server.cli.keys.PublishCommand;
import works.cast.relay.server.cli.keys.RetireCommand;
import works.cast.relay.server.cli.keys.RotateCommand;

/**
 * {@code dkim-relay keys}: manage the DKIM key store (RFC 6376 section 3.6): generate, list, publish, check, rotate,
 * activate, retire and import selectors.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Manage DKIM keys: generate, list, dns, check, publish, rotate, activate, retire, import.",
        subcommands = {GenerateCommand.class, ListCommand.class, DnsCommand.class, CheckCommand.class, PublishCommand.class,
            RotateCommand.class, ActivateCommand.class, RetireCommand.class, ImportCommand.class})
public final class KeysCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
