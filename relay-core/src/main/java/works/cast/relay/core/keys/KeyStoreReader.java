package works.cast.relay.core.keys;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import works.cast.relay.core.mail.Domain;

/** Reads a whole key store into a {@link KeyRing}, collecting every problem before giving up. */
final class KeyStoreReader {

    private final Path dir;
    private final List<String> problems = new ArrayList<>();
    private final List<SelectorKey> keys = new ArrayList<>();

    KeyStoreReader(Path dir) {
        this.dir = dir;
    }

    KeyRing read() {
        if (!Files.isDirectory(dir)) {
            if (Files.exists(dir)) {
                throw new KeyStoreException(dir, List.of(dir + ": not a directory (point keys-dir at a directory)"));
            }
            return KeyRing.empty();
        }
        for (Path d : sorted(dir)) {
            if (Files.isDirectory(d) && !d.getFileName().toString().startsWith(".")) {
                readDomain(d);
            }
        }
        if (!problems.isEmpty()) {
            throw new KeyStoreException(dir, problems);
        }
        return new KeyRing(keys);
    }

    private void readDomain(Path d) {
        Domain domain;
        try {
            domain = new Domain(d.getFileName().toString());
        } catch (IllegalArgumentException e) {
            problems.add(d + ": not a domain name (rename it to the signing domain, or move it out of the key store)");
            return;
        }
        DomainLock.shared(d, () -> {
            readDomain(d, domain);
            return null;
        });
    }

    private void readDomain(Path d, Domain domain) {
        Map<String, StateFile.Entry> entries = StateFile.read(d.resolve(StateFile.NAME), problems);
        for (Path f : sorted(d)) {
            String name = f.getFileName().toString();
            if (!name.endsWith(".private") || name.startsWith(".")) {
                continue;
            }
            String selector = name.substring(0, name.length() - ".private".length());
            checkPermissions(f);
            if (!entries.containsKey(selector)) {
                problems.add(f + ": no entry in " + d.resolve(StateFile.NAME) + " (run dkim-relay keys import --domain "
                        + domain + " --selector " + selector + " --private " + f + ")");
            }
        }
        for (StateFile.Entry e : entries.values()) {
            Path f = d.resolve(e.selector() + ".private");
            if (!Files.exists(f)) {
                problems.add(d.resolve(StateFile.NAME) + ": selector " + e.selector() + " names the missing key file "
                        + f + " (restore the file, or delete the line of " + e.selector() + ")");
                continue;
            }
            SigningKey key;
            try {
                key = PemKeyLoader.load(f);
            } catch (KeyException ex) {
                problems.add(ex.getMessage() + fix(domain, e.selector(), ex.getMessage()));
                continue;
            }
            if (key.algorithm() != e.algorithm()) {
                problems.add(d.resolve(StateFile.NAME) + ": selector " + e.selector() + " says algorithm="
                        + e.algorithm().tagValue() + " but " + f + " is a " + key.algorithm().keyType()
                        + " key (correct the line to algorithm=" + key.algorithm().tagValue() + ")");
                continue;
            }
            keys.add(new SelectorKey(domain, e.selector(), key, e.state(), e.created(), e.activated(), e.retired(),
                    e.revoked(), e.removed()));
        }
    }

    private static String fix(Domain domain, String selector, String message) {
        if (message.contains("too small")) {
            return " (make a new key with dkim-relay keys rotate --domain " + domain + ", activate it, then retire "
                    + selector + ")";
        }
        return " (replace the file with a valid PEM key, or delete the line of " + selector + " from "
                + StateFile.NAME + ")";
    }

    private void checkPermissions(Path f) {
        try {
            if (AtomicFiles.openToOthers(f)) {
                problems.add(f + ": private key is readable or writable by group or others (chmod 600 " + f + ")");
            }
        } catch (IOException e) {
            problems.add(f + ": cannot read its permissions (" + e.getMessage() + ")");
        }
    }

    private List<Path> sorted(Path d) {
        TreeSet<Path> out = new TreeSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
            s.forEach(out::add);
        } catch (IOException e) {
            problems.add(d + ": cannot list (" + e.getMessage() + ")");
        }
        return List.copyOf(out);
    }
}
