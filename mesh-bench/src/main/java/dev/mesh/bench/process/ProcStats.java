package dev.mesh.bench.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

  /** One thread's line of {@code /proc/<pid>/task/<tid>/stat}: what is read of it. */
  private record TaskStat(String tid, String name, long userTicks, long systemTicks) {}

  /** The process's live threads, or null when the process is gone. */
  private static List<TaskStat> tasks(long pid) {
    List<TaskStat> tasks = new ArrayList<>();
    try (var threads = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path thread : (Iterable<Path>) threads::iterator) {
        String stat;
        try {
          stat = Files.readString(thread.resolve("stat"));
        } catch (IOException e) {
          continue; // ended while listed
        }
        // utime and stime are fields 14 and 15; after the name, field 3 (the state) comes first.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
        tasks.add(
            new TaskStat(
                thread.getFileName().toString(),
                stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
                Long.parseLong(fields[11]),
                Long.parseLong(fields[12])));
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return tasks;
  }

  /**
   * Kinds of thread a JVM server here runs, by the name Linux keeps (first 15 characters), in the
   * order they are matched; a thread matching none is {@code other}.
   */
  private static final String[][] THREAD_KINDS = {
    {"eventLoop", "vert.x-eventloo"},
    {"acceptor", "vert.x-acceptor"},
    {"worker", "vert.x-worker-t", "vert.x-internal"},
    {"hazelcast", "hz."},
    {"jit", "C1 CompilerThre", "C2 CompilerThre"},
    {"gc", "VM Thread", "GC Thread", "G1 "},
  };

  /** Kinds of thread {@link #byKindBetween} reports, in order. */
  public static final List<String> KINDS =
      List.of("eventLoop", "acceptor", "worker", "hazelcast", "jit", "gc", "other");

  /** One thread's CPU so far: its kind ({@link #KINDS}), user and system seconds. */
  public record ThreadCpu(String kind, double user, double system) {}

  /**
   * CPU so far of every live thread of the process, keyed {@code pid/tid}; empty when the process
   * is gone. Two of these, taken before and after a phase, give its CPU by kind of thread ({@link
   * #byKindBetween}).
   */
  public static Map<String, ThreadCpu> threadCpu(long pid) {
    List<TaskStat> tasks = tasks(pid);
    if (tasks == null) {
      return Map.of();
    }
    Map<String, ThreadCpu> byThread = new LinkedHashMap<>();
    for (TaskStat task : tasks) {
      byThread.put(
          pid + "/" + task.tid(),
          new ThreadCpu(
              kindOf(task.name()),
              task.userTicks() / TICKS_PER_SECOND,
              task.systemTicks() / TICKS_PER_SECOND));
    }
    return byThread;
  }

  /**
   * User and system CPU seconds by kind of thread between two {@link #threadCpu} snapshots: {@code
   * {kind: {user, system}}} for every kind of {@link #KINDS}. Each thread counts from its own
   * earlier figure (from 0 when it started in between); a thread that ended in between is left out
   * rather than subtracted, so no figure goes below 0. System time is where a thread's wake-ups and
   * socket calls show, which a Java profiler does not sample.
   */
  public static Map<String, double[]> byKindBetween(
      Map<String, ThreadCpu> before, Map<String, ThreadCpu> after) {
    Map<String, double[]> byKind = new LinkedHashMap<>();
    KINDS.forEach(kind -> byKind.put(kind, new double[2]));
    after.forEach(
        (thread, now) -> {
          ThreadCpu then = before.get(thread);
          double[] sum = byKind.get(now.kind());
          sum[0] += now.user() - (then == null ? 0 : then.user());
          sum[1] += now.system() - (then == null ? 0 : then.system());
        });
    return byKind;
  }

  static String kindOf(String threadName) {
    for (String[] kind : THREAD_KINDS) {
      for (int i = 1; i < kind.length; i++) {
        if (threadName.startsWith(kind[i])) {
          return kind[0];
        }
      }
    }
    return "other";
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
