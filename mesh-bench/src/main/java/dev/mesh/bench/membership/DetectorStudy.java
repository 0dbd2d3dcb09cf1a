package dev.mesh.bench.membership;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Compares failure-detector settings under CPU starvation. For each setting ({@code
 * detector:timeoutSeconds}) it starts four member JVMs ({@link DetectorMember}: three data members
 * and a lite member, heartbeat 1 s), then
 *
 * <ol>
 *   <li>starves the CPU for the hog duration (busy processes on every core at the same priority)
 *       and counts the members removed although they were alive (false suspicions: every split the
 *       detector caused);
 *   <li>still under the hog, {@code kill -STOP}s a data member and measures how long until another
 *       member removes it (detection under load), then kills it;
 *   <li>without the hog, starts a replacement, {@code kill -STOP}s it and measures detection on a
 *       quiet machine.
 * </ol>
 *
 * Usage: {@code DetectorStudy [--hog 60s] [--busy] [--out docs/bench/failure-detection.md]
 * [deadline:10 ...]}; with {@code --busy} every member also allocates and writes without pause on
 * two threads (a service under load). Prints one Markdown table row per setting (and appends the
 * table to {@code --out}).
 */
public final class DetectorStudy {

  private static final List<String> DEFAULT_SETTINGS =
      List.of("deadline:3", "deadline:5", "deadline:10", "phi-accrual:3", "phi-accrual:5");
  private static final Duration JOIN_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration DETECTION_LIMIT = Duration.ofSeconds(90);

  private DetectorStudy() {}

  /** One member JVM and the membership lines it printed. */
  private static final class Member implements AutoCloseable {
    final String name;
    final Process process;
    final List<String[]> events = new CopyOnWriteArrayList<>();
    volatile String nodeId;
    volatile boolean ready;
    volatile int membersAtStart;

    Member(String name, Process process) {
      this.name = name;
      this.process = process;
      Thread reader = new Thread(this::read, "study-" + name);
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (line.startsWith("NODE ")) {
            nodeId = line.substring(5).trim();
          } else if (line.startsWith("READY ")) {
            membersAtStart = Integer.parseInt(line.substring(6).trim());
            ready = true;
          } else if (line.startsWith("MEMBER ")) {
            events.add(line.split(" "));
          }
        }
      } catch (IOException e) {
        // process gone
      }
    }

    void signal(String signal) throws IOException, InterruptedException {
      new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
          .inheritIO()
          .start()
          .waitFor();
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** What one setting did. */
  record Outcome(
      String setting,
      int falseRemovals,
      long detectionUnderHogMillis,
      long detectionQuietMillis,
      String notes) {

    static String header() {
      return "| detector | failure timeout | members removed while alive (hog) | kill -STOP detected, under hog | "
          + "kill -STOP detected, quiet | notes |\n|---|---:|---:|---:|---:|---|";
    }

    String row() {
      String[] parts = setting.split(":", -1);
      return "| "
          + parts[0]
          + " | "
          + parts[1]
          + " s | "
          + falseRemovals
          + " | "
          + millis(detectionUnderHogMillis)
          + " | "
          + millis(detectionQuietMillis)
          + " | "
          + notes
          + " |";
    }

    private static String millis(long value) {
      return value < 0
          ? "not within " + DETECTION_LIMIT.toSeconds() + " s"
          : String.format(Locale.ROOT, "%.1f s", value / 1000.0);
    }
  }

  public static void main(String[] args) throws Exception {
    Duration hog = Duration.ofSeconds(60);
    Path out = null;
    boolean busy = false;
    List<String> settings = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--hog" -> hog = Duration.ofSeconds(Long.parseLong(args[++i].replace("s", "")));
        case "--out" -> out = Path.of(args[++i]);
        case "--busy" -> busy = true;
        default -> settings.add(args[i]);
      }
    }
    if (settings.isEmpty()) {
      settings = DEFAULT_SETTINGS;
    }
    String loadBefore = loadAverage();
    List<Outcome> outcomes = new ArrayList<>();
    for (String setting : settings) {
      System.out.println("study: " + setting + " (hog " + hog.toSeconds() + " s)");
      Outcome outcome = run(setting, hog, busy);
      outcomes.add(outcome);
      System.out.println(Outcome.header() + "\n" + outcome.row());
    }
    StringBuilder table =
        new StringBuilder("\n### Failure detection under a CPU hog, " + Instant.now() + "\n\n")
            .append("Machine: ")
            .append(Runtime.getRuntime().availableProcessors())
            .append(" cores, load average before: ")
            .append(loadBefore)
            .append(", after: ")
            .append(loadAverage())
            .append("; hog: ")
            .append(Runtime.getRuntime().availableProcessors())
            .append(" busy processes for ")
            .append(hog.toSeconds())
            .append(" s; 4 member JVMs (3 data, 1 lite), heartbeat 1 s")
            .append(
                busy
                    ? "; every member also allocates and writes without pause on 2 threads"
                    : "; members write 1 KiB every 5 ms")
            .append(".\n\n")
            .append(Outcome.header())
            .append('\n');
    outcomes.forEach(o -> table.append(o.row()).append('\n'));
    System.out.println(table);
    if (out != null) {
      Files.writeString(out, table, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }

  private static Outcome run(String setting, Duration hogFor, boolean busy) throws Exception {
    String[] parts = setting.split(":", -1);
    String detector = parts[0];
    String timeout = parts[1];
    String cluster = "study-" + Long.toString(System.nanoTime(), 36);
    int portBase = 15_000 + ThreadLocalRandom.current().nextInt(0, 100) * 50;
    List<Member> members = new ArrayList<>();
    StringBuilder notes = new StringBuilder();
    try {
      for (int i = 0; i < 4; i++) {
        members.add(start("m" + i, cluster, portBase, detector, timeout, i == 3, busy));
        awaitReady(members.get(i));
      }
      awaitMembers(members, 4);
      Set<String> alive = ConcurrentHashMap.newKeySet();
      members.forEach(m -> alive.add(m.nodeId));
      int before = leftEvents(members, alive);
      long detectedUnderHog;
      try (CpuHog hog = CpuHog.everyCore()) {
        Thread.sleep(hogFor.toMillis());
        int falseRemovals = leftEvents(members, alive) - before;
        notes.append(falseRemovals == 0 ? "no split" : "split " + falseRemovals + " times");
        // Detection under load: a data member that is not the master.
        Member victim = members.get(2);
        detectedUnderHog = stopAndDetect(members, victim);
        victim.close();
        members.remove(victim);
        alive.remove(victim.nodeId);
        // Quiet detection, with a fresh member in the victim's place.
        hog.close();
        Thread.sleep(5_000);
        Member replacement = start("m4", cluster, portBase, detector, timeout, false, busy);
        members.add(replacement);
        awaitReady(replacement);
        Thread.sleep(3_000);
        long detectedQuiet = stopAndDetect(members, replacement);
        return new Outcome(
            setting, falseRemovals, detectedUnderHog, detectedQuiet, notes.toString());
      }
    } finally {
      members.forEach(Member::close);
    }
  }

  private static Member start(
      String name,
      String cluster,
      int portBase,
      String detector,
      String timeout,
      boolean lite,
      boolean busy)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "--add-modules",
            "java.se",
            "--add-opens",
            "java.base/java.lang=ALL-UNNAMED",
            "--add-opens",
            "java.base/sun.nio.ch=ALL-UNNAMED",
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-Dhazelcast.logging.type=none",
            "-cp",
            System.getProperty("java.class.path"),
            DetectorMember.class.getName(),
            cluster,
            Integer.toString(portBase),
            detector,
            timeout,
            Boolean.toString(lite),
            busy ? "busy" : "light"));
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    return new Member(name, process);
  }

  private static void awaitReady(Member member) throws InterruptedException {
    long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
    while (!member.ready) {
      if (System.nanoTime() > deadline || !member.process.isAlive()) {
        throw new IllegalStateException(member.name + " did not join");
      }
      Thread.sleep(50);
    }
  }

  private static void awaitMembers(List<Member> members, int count) {
    Member last = members.get(members.size() - 1);
    if (last.membersAtStart != count) {
      throw new IllegalStateException(
          "the last member joined a cluster of " + last.membersAtStart + ", not " + count);
    }
  }

  /** LEFT events naming a node still alive, over every member's view. */
  private static int leftEvents(List<Member> members, Set<String> alive) {
    int count = 0;
    for (Member member : members) {
      for (String[] event : member.events) {
        if ("LEFT".equals(event[1]) && alive.contains(event[2])) {
          count++;
        }
      }
    }
    return count;
  }

  /**
   * kill -STOP, then the time until any other member reports the victim gone; -1 if not within the
   * limit.
   */
  private static long stopAndDetect(List<Member> members, Member victim) throws Exception {
    long stoppedAt = System.currentTimeMillis();
    victim.signal("STOP");
    try {
      long deadline = System.nanoTime() + DETECTION_LIMIT.toNanos();
      while (System.nanoTime() < deadline) {
        for (Member member : members) {
          if (member == victim) {
            continue;
          }
          for (String[] event : member.events) {
            long at = Long.parseLong(event[3]);
            if ("LEFT".equals(event[1]) && victim.nodeId.equals(event[2]) && at >= stoppedAt) {
              return at - stoppedAt;
            }
          }
        }
        Thread.sleep(20);
      }
      return -1;
    } finally {
      victim.signal("CONT");
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ", -1)[0];
    } catch (IOException e) {
      return "?";
    }
  }
}
