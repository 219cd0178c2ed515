package works.cast.relay.server.sender;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import works.cast.relay.server.net.Cidr;

/** Zone data in memory for the pure evaluation tests; names not given answer none, "fail." names a temp error. */
final class MapDns implements SenderDns {

    private final Map<String, List<String>> txt = new HashMap<>();
    private final Map<String, List<InetAddress>> addresses = new HashMap<>();
    private final Map<String, List<String>> mx = new HashMap<>();
    final List<String> asked = new ArrayList<>();

    MapDns txt(String name, String... records) {
        txt.put(name, List.of(records));
        return this;
    }

    MapDns a(String name, String... literals) {
        addresses.put(name, java.util.Arrays.stream(literals).map(Cidr::parseAddress).toList());
        return this;
    }

    MapDns mx(String name, String... hosts) {
        mx.put(name, List.of(hosts));
        return this;
    }

    private <T> Answer<T> answer(String name, Map<String, List<T>> zone) {
        asked.add(name);
        if (name.startsWith("fail.") || name.contains(".fail.")) {
            return new TempError<>("SERVFAIL");
        }
        List<T> v = zone.get(name);
        return v == null ? new None<>() : new Found<>(v);
    }

    @Override
    public Answer<String> txt(String name) {
        return answer(name, txt);
    }

    @Override
    public Answer<InetAddress> addresses(String name) {
        return answer(name, addresses);
    }

    @Override
    public Answer<String> mx(String name) {
        return answer(name, mx);
    }
}
