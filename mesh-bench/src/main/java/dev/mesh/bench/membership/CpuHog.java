package dev.mesh.bench.membership;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps every core busy while it is open: one shell process per core spinning in {@code while :; do
 * :; done}, at the priority of this process (so at the services' priority when they were started by
 * the same parent). Closing it stops exactly the processes it started.
 */
public final class CpuHog implements AutoCloseable {

  private final List<Process> busy = new ArrayList<>();

  private CpuHog(int processes) {
    try {
      for (int i = 0; i < processes; i++) {
        busy.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
      }
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot start a busy process", e);
    }
  }

  /** One busy process per core. */
  public static CpuHog everyCore() {
    return new CpuHog(Runtime.getRuntime().availableProcessors());
  }

  public static CpuHog of(int processes) {
    return new CpuHog(processes);
  }

  public int processes() {
    return busy.size();
  }

  @Override
  public void close() {
    for (Process process : busy) {
      process.destroyForcibly();
    }
    for (Process process : busy) {
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
