package works.cast.relay.server.delivery.tls;

import java.util.List;
import java.util.Optional;

/** The {@code _mta-sts} TXT record (RFC 8461 section 3.1): {@code v=STSv1; id=20160831085700Z;}. */
final class StsRecord {

    private StsRecord() {
    }

    /**
     * The policy id of the one STSv1 record among {@code records} (each the joined strings of one TXT record);
     * empty when there is none, more than one, or it is malformed: then the domain has no MTA-STS policy.
     */
    static Optional<String> id(List<String> records) {
        String found = null;
        int count = 0;
        for (String r : records) {
            if (!r.startsWith("v=STSv1")) {
                continue;
            }
            count++;
            found = r;
        }
        if (count != 1) {
            return Optional.empty();
        }
        String id = null;
        String[] fields = found.split(";");
        if (!fields[0].strip().equals("v=STSv1")) {
            return Optional.empty();
        }
        for (int i = 1; i < fields.length; i++) {
            String f = fields[i].strip();
            if (f.startsWith("id=")) {
                if (id != null) {
                    return Optional.empty();
                }
                id = f.substring(3);
            }
        }
        return id != null && id.matches("[A-Za-z0-9]{1,32}") ? Optional.of(id) : Optional.empty();
    }
}
