"""daemon-idle: what `juicectl run` costs on a converged host: two volumes at a 5 s interval, resident memory and CPU
(its own and its children's) over SECONDS, after a 20 s warm-up (targets: under 30 MiB RSS, under 1 % of one core).
Sends SIGTERM at the end.

Usage: daemon_idle.py PID LOG SECONDS
"""
import os, re, signal, socket, sys, time
from benchlib import record

pid, log, seconds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
tick = os.sysconf("SC_CLK_TCK")


def cpu():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime) / tick, (cutime + cstime) / tick


def rss_kib():
    """VmRSS with its anonymous and file-backed parts, in KiB."""
    fields = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields["RssAnon"], fields["RssFile"]


def metrics():
    port = int(re.search(r"127\.0\.0\.1:(\d+)/metrics", open(log).read()).group(1))
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    text = data.decode()
    passes = sum(float(m.group(1)) for m in re.finditer(r'^juicectl_reconciles_total\{[^}]*\} (\S+)$', text, re.M))
    converged = sum(float(m.group(1)) for m in
                    re.finditer(r'^juicectl_reconciles_total\{[^}]*result="converged"\} (\S+)$', text, re.M))
    return passes, converged


time.sleep(20)  # warm-up: first passes, quota heartbeat, Litestream's first snapshot
own0, children0 = cpu()
passes0, converged0 = metrics()
samples = []
start = time.monotonic()
while time.monotonic() - start < seconds:
    samples.append(rss_kib())
    time.sleep(1)
elapsed = time.monotonic() - start
own1, children1 = cpu()
passes1, converged1 = metrics()
os.kill(pid, signal.SIGTERM)
record("daemon-idle", {
    "seconds": elapsed, "interval": 5, "volumes": 2,
    "rssPeakMiB": max(s[0] for s in samples) / 1024, "rssMeanMiB": sum(s[0] for s in samples) / len(samples) / 1024,
    "anonPeakMiB": max(s[1] for s in samples) / 1024, "filePeakMiB": max(s[2] for s in samples) / 1024,
    "cpuOwnPercent": (own1 - own0) / elapsed * 100,
    "cpuTotalPercent": (own1 - own0 + children1 - children0) / elapsed * 100,
    "passes": passes1 - passes0, "converged": converged1 - converged0,
})
