package works.cast.relay.server.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.keys.StateFile;

/**
 * Checks the files the configuration names: they exist, are readable regular files, and the TLS private key is
 * and the users file are not readable by group or others. Kept apart from binding so an example config can be validated on a machine
 * that lacks the production files.
 */
final class ConfigFiles {

    private static final Set<PosixFilePermission> TOO_OPEN = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final ConfigReader r;

    ConfigFiles(ConfigReader reader) {
        this.r = reader;
    }

    void check() {
        readable("relay.tls.certificate", "certificate");
        Path key = readable("relay.tls.private-key", "private key");
        if (key != null) {
            privateKeyMode("relay.tls.private-key", key);
        }
        Path users = readable("relay.access.users-file", "users file");
        if (users != null) {
            privateMode("relay.access.users-file", users, "users file");
        }
        readable("relay.delivery.smarthost.trust-store", "trust store");
        tsigSecret("relay.signing.dns-update.tsig.secret-file");
        if (r.valueAt("relay.signing.domains") instanceof ConfigObject domains) {
            for (String d : domains.keySet()) {
                tsigSecret("relay.signing.domains." + KnownKeys.quoteIfNeeded(d) + ".dns-update.tsig.secret-file");
            }
        }
        Path token = readable("relay.http.token-file", "http token file");
        if (token != null) {
            privateMode("relay.http.token-file", token, "http token file");
        }
        pinnedSelectors();
    }

    /** The TSIG secret lets anyone who reads it change the zone's records, so it is private like the users file. */
    private void tsigSecret(String path) {
        Path secret = readable(path, "TSIG secret file");
        if (secret != null) {
            privateMode(path, secret, "TSIG secret file");
        }
    }

    /**
     * Selectors a domain block names must have their key in the key store, private to the relay, and be active: a
     * pinned selector signs only while it is, so pinning a pending or retired one would sign with nothing.
     */
    private void pinnedSelectors() {
        ConfigValue keysDir = r.valueAt("relay.keys-dir");
        ConfigValue domains = r.valueAt("relay.signing.domains");
        if (keysDir == null || keysDir.valueType() != ConfigValueType.STRING || !(domains instanceof ConfigObject o)) {
            return;
        }
        for (String domain : o.keySet()) {
            String path = "relay.signing.domains.\"" + domain + "\".selectors";
            ConfigValue selectors = r.valueAt(path);
            if (selectors == null || selectors.valueType() != ConfigValueType.LIST) {
                continue;
            }
            Map<String, StateFile.Entry> states = null;
            for (Object selector : ((java.util.List<?>) selectors.unwrapped())) {
                Path key;
                String name;
                try {
                    name = new works.cast.relay.core.mail.Domain(domain).name();
                    key = Path.of((String) keysDir.unwrapped(), name, selector + ".private");
                } catch (IllegalArgumentException | ClassCastException e) { // also InvalidPathException
                    continue;
                }
                if (!Files.isRegularFile(key)) {
                    r.problem(path, "selector " + selector + " has no key: " + key + " does not exist");
                    continue;
                }
                privateKeyMode(path, key);
                if (states == null) {
                    // Problems in state.conf itself are the key store check's to report.
                    states = StateFile.read(key.resolveSibling(StateFile.NAME), new ArrayList<>());
                }
                StateFile.Entry e = states.get(Names.lower(selector.toString()));
                if (e != null && e.state() != SelectorState.ACTIVE) {
                    r.problem(path, "selector " + selector + " is " + e.state().text() + ": a pinned selector signs "
                            + "only while active (dkim-relay keys activate --domain " + name + " --selector "
                            + selector + ", or remove it from selectors)");
                }
            }
        }
    }

    /** The path when it names a readable regular file; records a problem and returns null otherwise. */
    private Path readable(String path, String what) {
        ConfigValue value = r.valueAt(path);
        if (value == null || value.valueType() != ConfigValueType.STRING) {
            return null;
        }
        Path file;
        try {
            file = Path.of((String) value.unwrapped());
        } catch (InvalidPathException e) {
            return null;
        }
        if (!Files.exists(file)) {
            r.problem(path, what + " " + file + " does not exist");
            return null;
        }
        if (!Files.isRegularFile(file)) {
            r.problem(path, what + " " + file + " is not a regular file");
            return null;
        }
        if (!Files.isReadable(file)) {
            r.problem(path, what + " " + file + " is not readable by this user");
            return null;
        }
        return file;
    }

    private void privateKeyMode(String path, Path file) {
        privateMode(path, file, "private key");
    }

    private void privateMode(String path, Path file, String what) {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = view.readAttributes().permissions();
            perms.retainAll(TOO_OPEN);
            if (!perms.isEmpty()) {
                r.problem(path, what + " " + file + " is accessible by group or others; chmod 600 it");
            }
        } catch (IOException e) {
            r.problem(path, "cannot read permissions of " + file + ": " + e.getMessage());
        }
    }
}
