package dev.mesh.bench.deploy;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The MESH_* variables each module's main code reads: string literals in its Java sources. */
final class MeshVariables {

  private static final Pattern LITERAL = Pattern.compile("\"(MESH_[A-Z0-9_]+)\"");

  private MeshVariables() {
  }

  /** Module name to the variables its {@code src/main/java} names. */
  static Map<String, Set<String>> readByModule(Path root) throws IOException {
    Map<String, Set<String>> byModule = new TreeMap<>();
    for (String module : new String[] {"common", "connection-service", "presence-service", "replay-service"}) {
      Set<String> names = new TreeSet<>();
      Files.walkFileTree(root.resolve(module).resolve("src/main/java"), new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          if (file.toString().endsWith(".java")) {
            Matcher matcher = LITERAL.matcher(Files.readString(file));
            while (matcher.find()) {
              names.add(matcher.group(1));
            }
          }
          return FileVisitResult.CONTINUE;
        }
      });
      byModule.put(module, names);
    }
    return byModule;
  }

  /** What a service of {@code module} reads: common's variables and its own. */
  static Set<String> readBy(Map<String, Set<String>> byModule, String module) {
    Set<String> all = new TreeSet<>(byModule.get("common"));
    all.addAll(byModule.get(module));
    return all;
  }
}
