package dev.mesh.bench.deploy;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The MESH_* variables each module's main code reads: string literals in its Java sources. */
final class MeshVariables {

  static final List<String> MODULES =
      List.of("common", "connection-service", "presence-service", "replay-service");
  private static final Pattern LITERAL = Pattern.compile("\"(MESH_[A-Z0-9_]+)\"");

  /**
   * A reference in a resource ({@code ${MESH_LOG_LEVEL:-INFO}} in logback.xml) or a shell script.
   */
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{?(MESH_[A-Z0-9_]+)");

  private MeshVariables() {}

  /**
   * The {@code src/main/<kind>} directories of {@code module} ({@code java} or {@code resources}):
   * its own, or, for a parent such as {@code common}, those of its child modules ({@code
   * common/api}, {@code common/runtime} ...).
   */
  static List<Path> mainDirectories(Path root, String module, String kind) throws IOException {
    Path moduleDir = root.resolve(module);
    List<Path> found = new ArrayList<>();
    Path own = moduleDir.resolve("src/main").resolve(kind);
    if (Files.isDirectory(own)) {
      found.add(own);
    }
    try (Stream<Path> children = Files.list(moduleDir)) {
      for (Path child : children.sorted().toList()) {
        Path nested = child.resolve("src/main").resolve(kind);
        if (Files.isRegularFile(child.resolve("pom.xml")) && Files.isDirectory(nested)) {
          found.add(nested);
        }
      }
    }
    return found;
  }

  /** Module name to the variables its {@code src/main/java} names. */
  static Map<String, Set<String>> readByModule(Path root) throws IOException {
    Map<String, Set<String>> byModule = new TreeMap<>();
    for (String module : MODULES) {
      Set<String> names = new TreeSet<>();
      List<Path> sources = mainDirectories(root, module, "java");
      if (sources.isEmpty()) {
        throw new IllegalStateException(
            module + " has no src/main/java of its own or in a child module");
      }
      for (Path java : sources) {
        Files.walkFileTree(
            java,
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                  throws IOException {
                if (file.toString().endsWith(".java")) {
                  Matcher matcher = LITERAL.matcher(Files.readString(file));
                  while (matcher.find()) {
                    names.add(matcher.group(1));
                  }
                }
                return FileVisitResult.CONTINUE;
              }
            });
      }
      byModule.put(module, names);
    }
    return byModule;
  }

  /**
   * Every variable any Mesh process reads, to the files that read it (paths from the repository
   * root): string literals in the modules' Java sources, {@code ${MESH_...}} references in their
   * resources (logback.xml), and the variables the {@code mesh} run script reads from its own
   * environment.
   */
  static Map<String, Set<String>> locations(Path root) throws IOException {
    Map<String, Set<String>> where = new TreeMap<>();
    for (String module : MODULES) {
      for (Path java : mainDirectories(root, module, "java")) {
        scan(root, java, LITERAL, where);
      }
      for (Path resources : mainDirectories(root, module, "resources")) {
        scan(root, resources, REFERENCE, where);
      }
    }
    scan(root, root.resolve("mesh"), REFERENCE, where);
    return where;
  }

  private static void scan(Path root, Path start, Pattern pattern, Map<String, Set<String>> where)
      throws IOException {
    if (!Files.exists(start)) {
      return;
    }
    Files.walkFileTree(
        start,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            String name = file.getFileName().toString();
            boolean text =
                file.equals(start)
                    || name.endsWith(".java")
                    || name.endsWith(".xml")
                    || name.endsWith(".properties");
            if (text) {
              Matcher matcher = pattern.matcher(Files.readString(file));
              while (matcher.find()) {
                where
                    .computeIfAbsent(matcher.group(1), k -> new TreeSet<>())
                    .add(root.relativize(file).toString());
              }
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** What a service of {@code module} reads: common's variables and its own. */
  static Set<String> readBy(Map<String, Set<String>> byModule, String module) {
    Set<String> all = new TreeSet<>(byModule.get("common"));
    all.addAll(byModule.get(module));
    return all;
  }
}
