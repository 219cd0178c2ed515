package works.cast.relay.server.smtp;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts open SMTP connections in total and per client address, to refuse those past the limits with 421
 * (RFC 5321 section 4.3.2). Thread-safe; every successful {@link #tryAcquire} needs one {@link #release}.
 */
public final class ConnectionLimiter {

    private final int maxTotal;
    private final int maxPerAddress;
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private int total;

    public ConnectionLimiter(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    /** Takes a slot for the address; false (and nothing taken) when a limit is reached. */
    public synchronized boolean tryAcquire(InetAddress address) {
        int mine = perAddress.getOrDefault(address, 0);
        if (total >= maxTotal || mine >= maxPerAddress) {
            return false;
        }
        total++;
        perAddress.put(address, mine + 1);
        return true;
    }

    public synchronized void release(InetAddress address) {
        Integer mine = perAddress.get(address);
        if (mine == null) {
            throw new IllegalStateException("connection limiter: release without acquire for " + address);
        }
        total--;
        if (mine == 1) {
            perAddress.remove(address);
        } else {
            perAddress.put(address, mine - 1);
        }
    }

    public synchronized int open() {
        return total;
    }
}
