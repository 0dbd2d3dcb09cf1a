package dev.mesh.bench.deploy;

import static org.assertj.core.api.Assertions.fail;

import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.connection.ConnectionOptions;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.replay.ReplayOptions;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The configuration reference against the code: every {@code MESH_*} variable a Mesh process reads
 * is documented in README.md's configuration table (or a table that README's "Configuration"
 * section links to), every documented variable is read by some code, and the default a row states
 * is the one the code falls back to, wherever that is reliably readable: a constant or a literal
 * passed to {@code Env} next to the variable's name (unset for {@code Env.optionalPort}, which
 * takes none), a {@code ${MESH_X:-default}} in a resource, or a per-service default read from the
 * options classes. Rows whose default is another variable ({@code MESH_BUS_HOST} defaults to {@code
 * MESH_CLUSTER_HOST}) or an expression are listed on standard output as not compared. Every failure
 * names the variable and the file to fix.
 */
@DisplayName("The configuration reference")
class ConfigurationReferenceTest {

  private static final String README = "README.md";

  /** A row of a configuration table: {@code | `MESH_X` | default | meaning |}. */
  private static final Pattern ROW =
      Pattern.compile("^\\|\\s*`(MESH_[A-Z0-9_]+)`\\s*\\|([^|]*)\\|");

  private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+\\.md)(?:#[^)]*)?\\)");

  /** {@code env.duration("MESH_X", <default>, ...)} and the other typed reads of {@link Env}. */
  private static final Pattern ENV_READ =
      Pattern.compile(
          "\\b\\w+\\.(string|integer|port|bool|duration|list)\\(\\s*\"(MESH_[A-Z0-9_]+)\"\\s*,\\s*");

  /** {@code env.optionalPort("MESH_X")}: a port without a default, unset when the variable is. */
  private static final Pattern OPTIONAL_READ =
      Pattern.compile("\\b\\w+\\.optionalPort\\(\\s*\"(MESH_[A-Z0-9_]+)\"\\s*\\)");

  private static final Pattern RESOURCE_DEFAULT =
      Pattern.compile("\\$\\{(MESH_[A-Z0-9_]+):-([^}]*)}");

  /**
   * {@code DEFAULT_X}, {@code Outer.Inner.NAME}, optionally followed by a no-argument call: a
   * constant.
   */
  private static final Pattern CONSTANT =
      Pattern.compile(
          "((?:[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*\\.)*)([A-Z][A-Z0-9_]*)(?:\\.(\\w+)\\(\\))?");

  private static final Pattern SERVICE_DEFAULT =
      Pattern.compile(
          "((?:connection|presence|replay)(?:(?:,| and) (?:connection|presence|replay))*) `([^`]+)`");

  /** What "unset" means in the code: no value at all. */
  private static final Object UNSET =
      new Object() {
        @Override
        public String toString() {
          return "unset";
        }
      };

  /** What each service falls back to for the settings whose default differs by service. */
  private static final Map<String, Function<ServiceOptions, Object>> PER_SERVICE =
      Map.of(
          "MESH_OPS_PORT", options -> options.ops().port(),
          "MESH_CLUSTER_LITE_MEMBER", options -> options.cluster().liteMember());

  private static Path root;

  /** Documented variable to its row. */
  private static Map<String, Row> documented;

  /** Variable to the files that read it. */
  private static Map<String, Set<String>> read;

  /** Variable to the defaults the code gives it, each with where it was found. */
  private static Map<String, List<CodeDefault>> defaults;

  private record Row(String variable, String file, int line, String defaultText) {
    String where() {
      return file + ":" + line;
    }
  }

  /**
   * A default found in the code: its value ({@link #UNSET}, a value, or null when not evaluable)
   * and why.
   */
  private record CodeDefault(String kind, Object value, String expression, String where) {}

  @BeforeAll
  static void read() throws IOException {
    root =
        Path.of(Objects.requireNonNull(System.getProperty("mesh.repo.root"), "mesh.repo.root"))
            .toRealPath();
    documented = documentedVariables();
    read = MeshVariables.locations(root);
    defaults = codeDefaults();
  }

  /**
   * README's configuration table, and the tables of the documents its "Configuration" section links
   * to.
   */
  private static Map<String, Row> documentedVariables() throws IOException {
    Map<String, Row> rows = new TreeMap<>();
    List<String> readme = Files.readAllLines(root.resolve(README));
    int start = readme.indexOf("## Configuration");
    if (start < 0) {
      fail(
          README
              + " has no \"## Configuration\" section: the configuration reference starts there");
    }
    List<String> documents = new ArrayList<>(List.of(README));
    for (int i = start + 1; i < readme.size() && !readme.get(i).startsWith("## "); i++) {
      if (!readme.get(i).startsWith("|")) {
        Matcher link = LINK.matcher(readme.get(i));
        while (link.find()) {
          documents.add(root.relativize(root.resolve(link.group(1)).normalize()).toString());
        }
      }
    }
    for (String document : documents) {
      List<String> lines = Files.readAllLines(root.resolve(document));
      int from = document.equals(README) ? start : 0;
      for (int i = from; i < lines.size(); i++) {
        if (document.equals(README) && i > start && lines.get(i).startsWith("## ")) {
          break;
        }
        Matcher row = ROW.matcher(lines.get(i));
        if (row.find()) {
          Row previous =
              rows.putIfAbsent(
                  row.group(1), new Row(row.group(1), document, i + 1, row.group(2).trim()));
          if (previous != null) {
            fail(
                row.group(1)
                    + " is documented twice: "
                    + previous.where()
                    + " and "
                    + document
                    + ":"
                    + (i + 1));
          }
        }
      }
    }
    return rows;
  }

  @Test
  @DisplayName("every MESH_* variable the code reads is in the configuration table")
  void everyVariableReadIsDocumented() {
    List<String> missing =
        read.entrySet().stream()
            .filter(entry -> !documented.containsKey(entry.getKey()))
            .map(
                entry ->
                    entry.getKey()
                        + ": read by "
                        + String.join(", ", entry.getValue())
                        + ", but has no row in README.md's configuration table (add `| `"
                        + entry.getKey()
                        + "` | <default> | <meaning> |` there)")
            .toList();
    failIfAny("variables read but not documented", missing);
  }

  @Test
  @DisplayName("every variable of the configuration table is read by some code")
  void everyDocumentedVariableIsRead() {
    List<String> unread =
        documented.values().stream()
            .filter(row -> !read.containsKey(row.variable()))
            .map(
                row ->
                    row.variable()
                        + ": documented at "
                        + row.where()
                        + ", but no Mesh code reads it (no \""
                        + row.variable()
                        + "\" in "
                        + String.join(", ", MeshVariables.MODULES)
                        + " src/main, no ${"
                        + row.variable()
                        + "} in their resources or in ./mesh): remove the row or the typo")
            .toList();
    failIfAny("variables documented but not read", unread);
  }

  @Test
  @DisplayName("the default each row states is the one the code falls back to")
  void documentedDefaultsMatchTheCode() {
    List<String> wrong = new ArrayList<>();
    List<String> notCompared = new ArrayList<>();
    for (Row row : documented.values()) {
      String text = row.defaultText();
      Matcher perService = SERVICE_DEFAULT.matcher(text);
      if (perService.find()) {
        comparePerService(row, wrong, notCompared);
        continue;
      }
      Optional<String> token = firstCode(text);
      if (token.isPresent() && token.get().startsWith("MESH_")) {
        notCompared.add(row.variable() + ": defaults to another variable (" + token.get() + ")");
        if (!documented.containsKey(token.get())) {
          wrong.add(
              row.variable()
                  + " ("
                  + row.where()
                  + "): its default names "
                  + token.get()
                  + ", which has no row of its own");
        }
        continue;
      }
      List<CodeDefault> found = defaults.getOrDefault(row.variable(), List.of());
      List<CodeDefault> evaluable = found.stream().filter(d -> d.value() != null).toList();
      if (evaluable.isEmpty()) {
        notCompared.add(
            row.variable()
                + ": "
                + (found.isEmpty()
                    ? "read without a default in the code"
                    : "default is the expression "
                        + found.stream()
                            .map(CodeDefault::expression)
                            .distinct()
                            .collect(Collectors.joining(" / "))));
        continue;
      }
      // A variable read twice may be tested for presence (default null) besides its real read:
      // compare the set one.
      boolean anySet = evaluable.stream().anyMatch(d -> d.value() != UNSET);
      for (CodeDefault code : evaluable) {
        if (anySet && code.value() == UNSET) {
          continue;
        }
        Object stated;
        try {
          stated = parse(row, code.kind(), text);
        } catch (RuntimeException e) {
          wrong.add(
              row.variable()
                  + " ("
                  + row.where()
                  + "): the stated default \""
                  + text
                  + "\" is not a valid "
                  + code.kind()
                  + " ("
                  + e.getMessage()
                  + "); the code's default is "
                  + show(code.value())
                  + " ("
                  + code.where()
                  + ")");
          continue;
        }
        if (!stated.equals(code.value())) {
          wrong.add(
              row.variable()
                  + " ("
                  + row.where()
                  + "): the table says "
                  + show(stated)
                  + ", the code falls back"
                  + " to "
                  + show(code.value())
                  + " ("
                  + code.expression()
                  + " in "
                  + code.where()
                  + ")");
        }
      }
    }
    System.out.println("Configuration defaults not compared (" + notCompared.size() + "):");
    notCompared.forEach(line -> System.out.println("  " + line));
    failIfAny("defaults that differ between the table and the code", wrong);
  }

  /**
   * Rows such as "connection `9080`, presence `9081`, replay `9082`": each service's options with
   * no settings.
   */
  private static void comparePerService(Row row, List<String> wrong, List<String> notCompared) {
    Function<ServiceOptions, Object> accessor = PER_SERVICE.get(row.variable());
    if (accessor == null) {
      notCompared.add(row.variable() + ": a per-service default this test has no accessor for");
      return;
    }
    Map<String, ServiceOptions> services = new LinkedHashMap<>();
    services.put(
        "connection",
        ConnectionOptions.fromEnv(
                Env.of(
                    Map.of(
                        "MESH_JWT_SECRET", "a-secret-of-at-least-thirty-two-bytes-for-the-test")))
            .service());
    services.put("presence", PresenceOptions.fromEnv(Env.of(Map.of())).service());
    services.put("replay", ReplayOptions.fromEnv(Env.of(Map.of())).service());
    Matcher matcher = SERVICE_DEFAULT.matcher(row.defaultText());
    Map<String, String> stated = new TreeMap<>();
    while (matcher.find()) {
      for (String service : matcher.group(1).split(",| and ", -1)) {
        stated.put(service.trim(), matcher.group(2));
      }
    }
    for (Map.Entry<String, ServiceOptions> service : services.entrySet()) {
      Object actual = accessor.apply(service.getValue());
      String text = stated.get(service.getKey());
      if (text == null) {
        wrong.add(
            row.variable()
                + " ("
                + row.where()
                + "): no default stated for "
                + service.getKey()
                + "-service; its code falls back to "
                + show(actual));
      } else if (!text.equals(String.valueOf(actual))) {
        wrong.add(
            row.variable()
                + " ("
                + row.where()
                + "): the table says "
                + text
                + " for "
                + service.getKey()
                + "-service, its code falls back to "
                + show(actual));
      }
    }
  }

  /**
   * The stated default, read the way the code reads a value of that kind (so {@code 5m} equals 300
   * s).
   */
  private static Object parse(Row row, String kind, String text) {
    if (text.startsWith("unset")) {
      return UNSET;
    }
    String token =
        firstCode(text).orElseThrow(() -> new IllegalArgumentException("no `value` in the cell"));
    String name = row.variable();
    Env env = Env.of(Map.of(name, token));
    Object value =
        switch (kind) {
          case "duration" -> env.duration(name, null, Duration.ZERO, Duration.ofDays(3650));
          case "integer", "port" -> env.integer(name, 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
          case "bool" -> env.bool(name, false);
          case "list" -> env.list(name, List.of());
          default -> env.string(name, null);
        };
    env.validate();
    return value;
  }

  private static Optional<String> firstCode(String text) {
    Matcher code = Pattern.compile("`([^`]*)`").matcher(text);
    return code.find() ? Optional.of(code.group(1)) : Optional.empty();
  }

  private static String show(Object value) {
    if (value instanceof Duration duration) {
      return duration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
    if (value instanceof Collection<?> list) {
      return list.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    return String.valueOf(value);
  }

  /**
   * The defaults the code passes to {@link Env} next to each variable's name, and the {@code
   * :-default} of resource references, evaluated where they are a literal or a constant (read by
   * reflection from the class that names it).
   */
  private static Map<String, List<CodeDefault>> codeDefaults() throws IOException {
    Map<String, List<CodeDefault>> found = new TreeMap<>();
    for (String module : MeshVariables.MODULES) {
      for (Path java : MeshVariables.mainDirectories(root, module, "java")) {
        javaDefaults(java, found);
      }
      for (Path resources : MeshVariables.mainDirectories(root, module, "resources")) {
        resourceDefaults(resources, found);
      }
    }
    return found;
  }

  private static void javaDefaults(Path java, Map<String, List<CodeDefault>> found)
      throws IOException {
    try (Stream<Path> files = Files.walk(java)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String source = Files.readString(file);
        String className =
            java.relativize(file).toString().replace('/', '.').replaceAll("\\.java$", "");
        Matcher call = ENV_READ.matcher(source);
        while (call.find()) {
          String expression = argument(source, call.end());
          String where =
              root.relativize(file)
                  + ":"
                  + source.substring(0, call.start()).split("\n", -1).length;
          Object value = evaluate(expression, className, source);
          found
              .computeIfAbsent(call.group(2), k -> new ArrayList<>())
              .add(new CodeDefault(call.group(1), value, expression, where));
        }
        Matcher optional = OPTIONAL_READ.matcher(source);
        while (optional.find()) {
          String where =
              root.relativize(file)
                  + ":"
                  + source.substring(0, optional.start()).split("\n", -1).length;
          found
              .computeIfAbsent(optional.group(1), k -> new ArrayList<>())
              .add(new CodeDefault("port", UNSET, optional.group(), where));
        }
      }
    }
  }

  private static void resourceDefaults(Path resources, Map<String, List<CodeDefault>> found)
      throws IOException {
    try (Stream<Path> files = Files.walk(resources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".xml")).toList()) {
        Matcher reference = RESOURCE_DEFAULT.matcher(Files.readString(file));
        while (reference.find()) {
          String value = reference.group(2);
          found
              .computeIfAbsent(reference.group(1), k -> new ArrayList<>())
              .add(
                  new CodeDefault(
                      "string",
                      value.isEmpty() ? UNSET : value,
                      "${" + reference.group(1) + ":-" + value + "}",
                      root.relativize(file).toString()));
        }
      }
    }
  }

  /**
   * The source text of the argument starting at {@code from}, up to its closing comma or
   * parenthesis.
   */
  private static String argument(String source, int from) {
    int depth = 0;
    for (int i = from; i < source.length(); i++) {
      char c = source.charAt(i);
      if (c == '(') {
        depth++;
      } else if ((c == ')' && depth-- == 0) || (c == ',' && depth == 0)) {
        return source.substring(from, i).trim();
      }
    }
    return source.substring(from).trim();
  }

  /**
   * A literal or a constant's value; null when the expression is neither (a local variable, a
   * computation).
   */
  // A test fails with an AssertionError: the check's LinkageError is for production code that
  // cannot go on.
  @SuppressWarnings("RethrowReflectiveOperationExceptionAsLinkageError")
  private static Object evaluate(String expression, String className, String source) {
    if (expression.equals("null") || expression.equals("List.of()") || expression.equals("\"\"")) {
      return UNSET;
    }
    if (expression.equals("true") || expression.equals("false")) {
      return Boolean.valueOf(expression);
    }
    if (expression.matches("-?\\d[\\d_]*")) {
      return Integer.valueOf(expression.replace("_", ""));
    }
    if (expression.matches("\"[^\"\\\\]*\"")) {
      return expression.substring(1, expression.length() - 1);
    }
    if (expression.equals("Duration.ZERO")) {
      return Duration.ZERO;
    }
    Matcher constant = CONSTANT.matcher(expression);
    if (!constant.matches()) {
      return null;
    }
    try {
      Class<?> owner =
          constant.group(1).isEmpty()
              ? Class.forName(className)
              : resolve(
                  constant.group(1).substring(0, constant.group(1).length() - 1),
                  className,
                  source);
      Field field = findField(owner, constant.group(2));
      field.setAccessible(true);
      Object value = field.get(null);
      if (constant.group(3) != null) {
        Method method = value.getClass().getMethod(constant.group(3));
        method.setAccessible(true);
        value = method.invoke(value);
      }
      return value instanceof Collection<?> list && list.isEmpty() ? UNSET : value;
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot read " + expression + " from " + className + ": " + e, e);
    }
  }

  private static Field findField(Class<?> owner, String name) throws NoSuchFieldException {
    for (Class<?> type = owner; type != null; type = type.getSuperclass()) {
      try {
        return type.getDeclaredField(name);
      } catch (NoSuchFieldException e) {
        // look further up
      }
    }
    throw new NoSuchFieldException(owner.getName() + "." + name);
  }

  /** {@code Outer.Inner} as the source sees it: imported, or in the same package. */
  private static Class<?> resolve(String qualifier, String className, String source)
      throws ClassNotFoundException {
    String[] parts = qualifier.split("\\.", -1);
    Matcher imported =
        Pattern.compile("(?m)^import\\s+([\\w.]+\\." + parts[0] + ");").matcher(source);
    String outer =
        imported.find()
            ? imported.group(1)
            : className.substring(0, className.lastIndexOf('.') + 1) + parts[0];
    StringBuilder name = new StringBuilder(outer);
    for (int i = 1; i < parts.length; i++) {
      name.append('$').append(parts[i]);
    }
    return Class.forName(name.toString());
  }

  private static void failIfAny(String what, List<String> problems) {
    if (!problems.isEmpty()) {
      fail(problems.size() + " " + what + ":\n  " + String.join("\n  ", problems));
    }
  }
}
