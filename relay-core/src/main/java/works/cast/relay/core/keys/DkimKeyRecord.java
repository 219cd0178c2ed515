package works.cast.relay.core.keys;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import works.cast.relay.core.dkim.TagList;

/**
 * A DKIM public key record as published in DNS (RFC 6376 section 3.6.1): the tag list of the TXT strings joined.
 *
 * @param keyType    {@code k=}, {@code rsa} by default
 * @param publicKey  {@code p=} decoded; empty means the key was revoked
 * @param hashes     {@code h=} acceptable hashes, empty means any
 * @param services   {@code s=} service types, {@code *} by default
 * @param flags      {@code t=} flags such as {@code y} (testing) and {@code s} (strict identity)
 */
public record DkimKeyRecord(String keyType, byte[] publicKey, List<String> hashes, List<String> services,
                            List<String> flags) {

    public DkimKeyRecord {
        Objects.requireNonNull(keyType, "keyType");
        publicKey = publicKey.clone();
        hashes = List.copyOf(hashes);
        services = List.copyOf(services);
        flags = List.copyOf(flags);
    }

    /** Parses the record text; the exception says which tag is wrong. */
    public static DkimKeyRecord parse(String text) {
        TagList tags = TagList.parse(text);
        String v = tags.get("v").orElse("DKIM1");
        if (tags.has("v") && !text.stripLeading().startsWith("v=")) {
            throw new IllegalArgumentException("key record: v= must be the first tag");
        }
        if (!v.equals("DKIM1")) {
            throw new IllegalArgumentException("key record: unsupported version v=" + v);
        }
        String p = tags.getCompact("p").orElseThrow(() -> new IllegalArgumentException("key record: no p= tag"));
        byte[] key;
        try {
            key = Base64.getDecoder().decode(p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key record: p= is not valid base64");
        }
        return new DkimKeyRecord(
                tags.get("k").orElse("rsa").toLowerCase(Locale.ROOT),
                key,
                list(tags.get("h").orElse("")),
                list(tags.get("s").orElse("*")),
                list(tags.get("t").orElse("")));
    }

    private static List<String> list(String v) {
        if (v.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(v.split(":")).map(s -> s.strip().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).toList();
    }

    public boolean revoked() {
        return publicKey.length == 0;
    }

    public boolean testing() {
        return flags.contains("y");
    }

    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey);
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DkimKeyRecord r && keyType.equals(r.keyType)
                && java.util.Arrays.equals(publicKey, r.publicKey) && hashes.equals(r.hashes)
                && services.equals(r.services) && flags.equals(r.flags);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyType, java.util.Arrays.hashCode(publicKey), hashes, services, flags);
    }
}
