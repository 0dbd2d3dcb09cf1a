package dev.mesh.bench.load;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A forked generator process ({@link GeneratorProcess}): one {@link PageHost} driven over
 * stdin/stdout. Each input line is a command {@code {"id": n, "op": ...}}; each answer is a line
 * {@code R {"id": n, "ok": .., "result"|"error"}}, and every second a progress line {@code P
 * {"open", "received", "errors"}}. It exits when its input ends or its parent dies, so a generator
 * never outlives the run that forked it. Usage: {@code PageHostMain <run>}, the token secret in
 * {@code MESH_BENCH_JWT_SECRET}.
 */
public final class PageHostMain {

  private PageHostMain() {}

  public static void main(String[] args) throws Exception {
    PrintStream protocol =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    // Anything else that prints (libraries, stack traces) goes to the log, never into the protocol.
    System.setOut(System.err);
    // Nothing waits on this stage: the process ends in it.
    ProcessHandle.current()
        .parent()
        .ifPresent(
            parent -> {
              var unused = parent.onExit().thenRun(() -> Runtime.getRuntime().halt(3));
            });
    PageHost host = new PageHost(args[0], System.getenv("MESH_BENCH_JWT_SECRET"));
    ScheduledExecutorService progress =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "progress");
              t.setDaemon(true);
              return t;
            });
    var unused =
        progress.scheduleAtFixedRate(
            () -> send(protocol, "P " + host.stats().encode()), 1, 1, TimeUnit.SECONDS);
    ExecutorService commands = Executors.newCachedThreadPool();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      JsonObject command = new JsonObject(line);
      commands.execute(
          () -> {
            JsonObject answer = new JsonObject().put("id", command.getLong("id"));
            try {
              answer.put("ok", true).put("result", host.handle(command));
            } catch (Throwable e) {
              e.printStackTrace();
              answer
                  .put("ok", false)
                  .put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            send(protocol, "R " + answer.encode());
            if ("stop".equals(command.getString("op"))) {
              host.close();
              Runtime.getRuntime().halt(0);
            }
          });
    }
    // The parent closed our input: it is done with us, or gone.
    host.close();
    Runtime.getRuntime().halt(0);
  }

  private static void send(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
    }
  }
}
