package dev.mesh.bench.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR recording made with {@code LoadMain --jfr} and prints where the CPU samples went: the
 * top methods by self time, and by inclusive time the top methods of Mesh ({@code dev.mesh}) and of
 * the libraries under it, so a missed target can be traced to the code that costs it. Usage: {@code
 * ProfileSummary file.jfr [top] [focus]}: with {@code focus} (part of a method name), also where
 * the samples under that method went, by its direct callees.
 */
public final class ProfileSummary {

  private ProfileSummary() {}

  public static void main(String[] args) throws IOException {
    int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    Map<String, Integer> callees = new HashMap<>();
    String focus = args.length > 2 ? args[2] : null;
    int focused = 0;
    int samples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
      if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      String thread =
          event.getThread("sampledThread") == null
              ? "?"
              : event.getThread("sampledThread").getJavaName();
      threads.merge(thread == null ? "?" : thread.replaceAll("-\\d+$", "-N"), 1, Integer::sum);
      List<RecordedFrame> frames = stack.getFrames();
      self.merge(name(frames.get(0)), 1, Integer::sum);
      if (focus != null) {
        // frames run from the leaf (0) to the root: the callee of the outermost focus frame is the
        // one before it
        for (int i = frames.size() - 1; i >= 0; i--) {
          if (name(frames.get(i)).contains(focus)) {
            focused++;
            callees.merge(i == 0 ? "(self)" : name(frames.get(i - 1)), 1, Integer::sum);
            break;
          }
        }
      }
      Set<String> seen = new HashSet<>();
      for (RecordedFrame frame : frames) {
        String name = name(frame);
        if (seen.add(name)) {
          inclusive.merge(name, 1, Integer::sum);
        }
      }
    }
    System.out.printf("%d CPU samples in %s%n%n", samples, args[0]);
    print("threads", threads, samples, top);
    print("self time", self, samples, top);
    Map<String, Integer> mesh = new HashMap<>();
    inclusive.forEach(
        (k, v) -> {
          if (k.startsWith("dev.mesh")) {
            mesh.put(k, v);
          }
        });
    print("inclusive, dev.mesh methods", mesh, samples, top);
    print("inclusive, all methods", inclusive, samples, top);
    if (focus != null) {
      System.out.printf(
          "%d samples (%.1f%%) under %s%n", focused, 100.0 * focused / Math.max(1, samples), focus);
      print("direct callees of " + focus, callees, samples, top);
    }
  }

  private static String name(RecordedFrame frame) {
    return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
  }

  private static void print(String title, Map<String, Integer> counts, int samples, int top) {
    System.out.println("== " + title);
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(top)
        .forEach(
            e ->
                System.out.printf(
                    "%6.1f%%  %s%n", 100.0 * e.getValue() / Math.max(1, samples), e.getKey()));
    System.out.println();
  }
}
