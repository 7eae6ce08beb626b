"""Run one command and report its wall time and peak memory (POSIX only).

    python -S benchmarks/_measure.py REPORT TIMEOUT CMD [ARG...]

Writes one line "seconds ru_maxrss exit_code timed_out" to REPORT; the command's stdin,
stdout and stderr are this process's. Used by run.py; see the comment there on why peak
memory is measured from this small process rather than from run.py itself.

Deliberately imports nothing but builtin modules (os, sys, time, signal), so this process
stays small: on Linux a child's ru_maxrss starts from the resident size of the process that
spawned it (fork copies the parent's RSS into the child's high-water mark, vfork and
posix_spawn share the parent's memory until exec and exec records its high-water mark), so
the spawning process must be smaller than anything worth measuring.
"""

import os
import signal
import sys
import time


def main() -> int:
    report, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    t0 = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ)
    timed_out = []

    def on_alarm(signum, frame):
        timed_out.append(True)
        try:
            os.kill(pid, signal.SIGKILL)  # the one child this process started
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    _, status, ru = os.wait4(pid, 0)  # retried by Python across the alarm (PEP 475)
    seconds = time.perf_counter() - t0
    signal.setitimer(signal.ITIMER_REAL, 0)
    rc = os.waitstatus_to_exitcode(status)
    with open(report, "w") as f:
        f.write(f"{seconds!r} {ru.ru_maxrss} {rc} {int(bool(timed_out))}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
