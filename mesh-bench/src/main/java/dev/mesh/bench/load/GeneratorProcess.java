package dev.mesh.bench.load;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One forked generator JVM ({@link PageHostMain}) seen from the generator that forked it: commands
 * go out on its stdin, answers and progress come back on its stdout, its stderr goes to a log file.
 * If it dies, every command waiting on it fails with its exit code and the log's path; {@link
 * #close()} and a shutdown hook kill it.
 */
final class GeneratorProcess implements AutoCloseable {

  /**
   * One process holds about 19,900 sockets here (20,000 open files, not raisable): leave room for
   * jars and epoll.
   */
  static final int DEFAULT_PAGES_PER_PROCESS = 15_000;

  private final int index;
  private final Process process;
  private final Path log;
  private final Writer in;
  private final Map<Long, CompletableFuture<JsonObject>> waiting = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final Thread hook;
  private volatile JsonObject lastStats =
      new JsonObject().put("open", 0).put("received", 0L).put("errors", 0);

  private GeneratorProcess(int index, Process process, Path log) {
    this.index = index;
    this.process = process;
    this.log = log;
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.hook = new Thread(process::destroyForcibly, "generator-" + index + "-kill");
    Runtime.getRuntime().addShutdownHook(hook);
    Thread reader = new Thread(this::read, "generator-" + index + "-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Forks generator {@code index} with the same classpath and heap as this JVM's generator. */
  static GeneratorProcess start(int index, String run, String secret, Path logDir) {
    try {
      Files.createDirectories(logDir);
      Path log = logDir.resolve("generator-" + index + ".log");
      List<String> command =
          new ArrayList<>(
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx2g",
                  "-Djava.awt.headless=true",
                  "-cp",
                  System.getProperty("java.class.path"),
                  PageHostMain.class.getName(),
                  run));
      ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
      builder.environment().put("MESH_BENCH_JWT_SECRET", secret);
      return new GeneratorProcess(index, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot fork generator " + index, e);
    }
  }

  int index() {
    return index;
  }

  long pid() {
    return process.pid();
  }

  /** The counters of its last progress line. */
  JsonObject lastStats() {
    return lastStats;
  }

  /** Sends one command; completes with its result, or fails with the generator's error or death. */
  CompletableFuture<JsonObject> call(JsonObject command) {
    long id = ids.incrementAndGet();
    CompletableFuture<JsonObject> answer = new CompletableFuture<>();
    waiting.put(id, answer);
    if (!process.isAlive()) {
      failAll();
      return answer;
    }
    try {
      synchronized (in) {
        in.write(command.copy().put("id", id).encode());
        in.write('\n');
        in.flush();
      }
    } catch (IOException e) {
      waiting.remove(id);
      answer.completeExceptionally(
          new IllegalStateException(describe() + ": cannot send a command", e));
    }
    return answer;
  }

  private void read() {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("P ")) {
          lastStats = new JsonObject(line.substring(2));
        } else if (line.startsWith("R ")) {
          JsonObject answer = new JsonObject(line.substring(2));
          CompletableFuture<JsonObject> f = waiting.remove(answer.getLong("id"));
          if (f != null) {
            if (answer.getBoolean("ok", false)) {
              f.complete(answer.getJsonObject("result"));
            } else {
              f.completeExceptionally(
                  new IllegalStateException(describe() + ": " + answer.getString("error")));
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process is gone; failAll below says so
    }
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    failAll();
  }

  private void failAll() {
    String why =
        describe()
            + (process.isAlive() ? " stopped answering" : " exited with " + process.exitValue())
            + " (log: "
            + log
            + ")";
    waiting.values().forEach(f -> f.completeExceptionally(new IllegalStateException(why)));
    waiting.clear();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  private String describe() {
    return "generator " + index + " (pid " + process.pid() + ")";
  }

  /** Asks it to close its pages and exit; kills it if it has not within 30 s. */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        call(new JsonObject().put("op", "stop")).get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      // killed below
    }
    try {
      in.close();
    } catch (IOException e) {
      // gone already
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down and the hook is running
    }
  }
}
