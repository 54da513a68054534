package io.eie.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and resident memory of a process, read from Linux's {@code /proc}. */
final class ProcessStats {

    /** A reading: CPU seconds used so far, resident bytes, and when. */
    record Sample(double cpuSeconds, long residentBytes, long atNanos) {
    }

    private static final double CLOCK_TICKS = 100.0; // USER_HZ on Linux

    private final long pid;
    private long peakResident;

    ProcessStats(long pid) {
        this.pid = pid;
    }

    Sample sample() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name may hold spaces: fields count from the closing parenthesis
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            double cpu = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS;
            long resident = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    resident = Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
            peakResident = Math.max(peakResident, resident);
            return new Sample(cpu, resident, System.nanoTime());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc for process " + pid + " (Linux only): " + e.getMessage(), e);
        }
    }

    /** The peak resident memory seen by {@link #sample()} so far. */
    long peakResident() {
        return peakResident;
    }

    /** Cores used on average between two samples: 1.0 is one core busy all the time. */
    static double cores(Sample from, Sample to) {
        return (to.cpuSeconds() - from.cpuSeconds()) / ((to.atNanos() - from.atNanos()) / 1e9);
    }
}
