package dev.mesh.bench.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory and CPU time of any process of this machine, from {@code /proc} (Linux). */
public final class ProcStats {

  /** Clock ticks per second of {@code /proc/<pid>/stat}; 100 on every Linux this runs on. */
  private static final double TICKS_PER_SECOND = 100.0;

  private ProcStats() {}

  /** Resident set size in bytes (VmRSS), or -1 when the process is gone. */
  public static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /**
   * User plus system CPU seconds consumed so far (threads included), or -1 when the process is
   * gone.
   */
  public static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
      // fields[0] is the state (field 3); utime and stime are fields 14 and 15
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Open file descriptors of the process (sockets included), or -1. */
  public static int openFiles(long pid) {
    try (var files = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return (int) files.count();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
