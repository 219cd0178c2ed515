#!/usr/bin/python3
"""Where the CPU went during one timed run of bench/compare.sh (PROFILE=DIR).

    bench/perf-summary.py PERF_DATA RELAY_PID [MESSAGES] [HZ]

Reads `perf record -a -g -F HZ -e cpu-clock` samples (perf script), splits them by process (the relay's JVM, the
load client, smtp-source, smtp-sink, the rest, idle) and buckets the relay's samples by what the stack was doing:
the first rule below that matches any frame of the stack wins, so an fsync called from the queue counts as fsync and
RSA called from the signer counts as RSA. Java frames are named from the JVM's perf map (jcmd PID Compiler.perfmap);
without -XX:+PreserveFramePointer the stacks of compiled Java code are cut short and land in "other".
"""
import collections
import re
import subprocess
import sys

# (bucket, regex over one frame's symbol and library); first match over the whole stack wins, in this order.
RULES = [
    ("RSA signature (ACCP / AWS-LC)", r"AmazonCorretto|amazonCorretto|aws_lc|RSA_sign|rsa_|bn_mul|bn_sqr|BN_|bignum"),
    ("RSA signature (JDK)", r"sun\.security\.rsa|sun/security/rsa|java\.math\.BigInteger|java/math/BigInteger"),
    ("Ed25519", r"ed25519|Ed25519|curve25519"),
    ("SHA-256 (body and header hashes)", r"sha256_block|SHA256_|sun\.security\.provider\.SHA2|sun/security/provider/SHA2"),
    ("fsync / fdatasync", r"do_fsync|ext4_sync_file|file_write_and_wait|jbd2_|__x64_sys_fdatasync|__x64_sys_fsync"),
    ("file create, rename, unlink", r"do_renameat2|do_unlinkat|path_openat|do_sys_openat2|ext4_create|do_truncate|"
                                    r"ext4_setattr|do_mkdirat"),
    ("logging", r"ch\.qos\.logback|ch/qos/logback|org\.slf4j|org/slf4j"),
    ("TCP connect, accept, close", r"__sys_connect|tcp_v4_connect|__sys_accept4|inet_accept|tcp_close|inet_release|"
                                   r"tcp_v4_syn_recv_sock|tcp_conn_request|__sys_socket|sock_close|tcp_rcv_state_process"),
    ("file read / write", r"ext4_file_write_iter|ext4_file_read_iter|generic_perform_write|filemap_read"),
    ("TCP send / receive", r"tcp_sendmsg|tcp_recvmsg|sock_sendmsg|sock_recvmsg|sock_read_iter|sock_write_iter|"
                           r"tcp_v4_rcv|net_rx_action|__dev_queue_xmit|loopback_xmit"),
    ("epoll", r"ep_poll|do_epoll_wait|do_epoll_ctl|ep_insert|ep_remove|epoll_wait|epoll_ctl"),
    ("thread hand-offs (futex, park, wake-up)", r"futex|LockSupport|Unsafe\.park|Unsafe::park|try_to_wake_up|"
                                                r"Parker::|pthread_cond"),
]
JAVA = [  # leaf-most frame of the relay's own code, by package
    ("DKIM: canonicalization, headers, signature (Java)", r"works[./]cast[./]relay[./]core"),
    ("SMTP session and commands (Java)", r"works[./]cast[./]relay[./]server[./]smtp"),
    ("intake: signing, header edits (Java)", r"works[./]cast[./]relay[./]server[./]intake"),
    ("queue (Java)", r"works[./]cast[./]relay[./]server[./]queue"),
    ("delivery (Java)", r"works[./]cast[./]relay[./]server[./]delivery"),
    ("other relay code (Java)", r"works[./]cast[./]relay"),
]
COMPILED = [(name, re.compile(rx)) for name, rx in RULES]
JAVA_COMPILED = [(name, re.compile(rx)) for name, rx in JAVA]
NETTY = re.compile(r"io[./]netty")


def bucket(comm, frames):
    if comm.startswith(("C2 Compiler", "C1 Compiler")):
        return "JIT compiler"
    if comm.startswith(("G1 ", "GC ", "VM Thread")):
        return "GC and VM thread"
    for name, rx in COMPILED:
        if any(rx.search(f) for f in frames):
            return name
    for f in frames:  # leaf first
        for name, rx in JAVA_COMPILED:
            if rx.search(f):
                return name
    if any(NETTY.search(f) for f in frames):
        return "Netty (Java)"
    if any("[kernel.kallsyms]" in f for f in frames[:1]):
        return "other kernel"
    return "other (JVM, JDK, interpreter)"


def samples(path):
    out = subprocess.run(["perf", "script", "-i", path, "-F", "comm,pid,ip,sym,dso"], capture_output=True,
                         text=True, errors="replace").stdout
    head, frames = None, []
    for line in out.splitlines():
        if not line.strip():
            if head:
                yield head[0], head[1], frames
            head, frames = None, []
        elif line[0] not in " \t":
            m = re.match(r"\s*(.*?)\s+(\d+)\s*$", line.split(":")[0]) or re.match(r"(.*?)\s+(\d+)", line)
            head = (m.group(1), int(m.group(2))) if m else (line, -1)
        else:
            frames.append(line.strip())
    if head:
        yield head[0], head[1], frames


def main():
    path, relay = sys.argv[1], int(sys.argv[2])
    messages = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    hz = int(sys.argv[4]) if len(sys.argv) > 4 else 499
    procs, names, relay_buckets, total = collections.Counter(), {}, collections.Counter(), 0
    for comm, pid, frames in samples(path):
        total += 1
        if pid == 0:
            key = "idle"
        elif pid == relay:
            key = "dkim-relay JVM"
            relay_buckets[bucket(comm, frames)] += 1
        else:
            key = pid
            names.setdefault(pid, collections.Counter())[comm] += 1
        procs[key] += 1
    if not total:
        print("  profile: no samples in " + path)
        return
    seconds = total / hz / 2  # two cores sampled: samples / hz / cpus = wall seconds
    print("  profile %s: %d samples, %.1f s of wall time" % (path, total, seconds))
    for key, n in procs.most_common(8):
        name = key if isinstance(key, str) else "pid %d (%s)" % (key, names[key].most_common(1)[0][0])
        print("    %-40s %5.1f %% of the machine" % (name, 100.0 * n / total))
    busy = procs["dkim-relay JVM"]
    if busy:
        per = " = %.3f ms per message" % (busy / hz * 1000 / messages) if messages else ""
        print("    relay CPU: %.2f s%s; by what it was doing:" % (busy / hz, per))
        for name, n in relay_buckets.most_common():
            print("      %-50s %5.1f %%" % (name, 100.0 * n / busy))


if __name__ == "__main__":
    main()
