package works.cast.relay.server.cli;

import picocli.CommandLine;
import works.cast.relay.core.keys.CryptoProvider;
import picocli.CommandLine.Command;

/** {@code dkim-relay version}: the relay's version, the JVM's and the RSA provider, as the startup line names it. */
@Command(name = "version", description = "Print the version.", mixinStandardHelpOptions = true)
public final class VersionCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The version from the jar manifest, or "development" when run from classes. */
    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    @Override
    public void run() {
        spec.commandLine().getOut().println("dkim-relay " + version() + " (Java " + Runtime.version() + ", rsa="
                + CryptoProvider.describe() + ")");
    }

    /** Supplies {@code --version} of the top command. */
    public static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"dkim-relay " + version()};
        }
    }
}
