package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.protocol.CloseCode;
import dev.mesh.connection.frames.ErrorCode;
import dev.mesh.connection.session.Frames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The browser client spells the close codes and error codes in one module, {@code
 * src/main/js/mesh-client/src/codes.js}; this test holds it to the server's: every Java code is in
 * the client and every client code is in Java, by name and value, and the client's reconnect rule
 * gives each close code the server's {@link CloseCode.Kind}. Each side is read by one method
 * ({@link #serverCloseCodes()}, {@link #serverErrorCodes()}).
 */
@DisplayName("The JavaScript client's close and error codes are the server's")
class ClientCodesTest {

  private static final Path MODULE = Path.of(System.getProperty("basedir", "."));
  private static final Path CODES_JS = MODULE.resolve("src/main/js/mesh-client/src/codes.js");
  private static final Path MAIN_JAVA = MODULE.resolve("src/main/java");

  /** Close codes a client observes but no server sends. */
  private static final Map<String, Integer> OBSERVED_ONLY = Map.of("ABNORMAL", 1006);

  @Test
  @DisplayName(
      "CloseCodes: the same names and numbers as dev.mesh.common.protocol.CloseCode (plus 1006, observed only)")
  void closeCodes() throws IOException {
    Map<String, Integer> expected = new TreeMap<>(serverCloseCodes());
    expected.putAll(OBSERVED_ONLY);
    Map<String, Integer> client = new TreeMap<>();
    jsObject("CloseCodes").forEach((name, value) -> client.put(name, Integer.valueOf(value)));
    assertThat(client)
        .as("CloseCodes of %s against dev.mesh.common.protocol.CloseCode", CODES_JS)
        .isEqualTo(expected);
  }

  @Test
  @DisplayName("shouldReconnect: the terminal range is CloseCode.TERMINAL_RANGE_START..END")
  void terminalRange() throws IOException {
    int[] range = clientTerminalRange();
    assertThat(range[0]).isEqualTo(CloseCode.TERMINAL_RANGE_START);
    assertThat(range[1]).isEqualTo(CloseCode.TERMINAL_RANGE_END);
  }

  @Test
  @DisplayName(
      "shouldReconnect: the client reconnects after exactly the close codes of kind RECONNECT")
  void closeCodeKinds() throws IOException {
    int[] range = clientTerminalRange();
    Map<String, CloseCode.Kind> client = new TreeMap<>();
    jsObject("CloseCodes")
        .forEach(
            (name, value) -> {
              int code = Integer.parseInt(value);
              boolean terminal = code >= range[0] && code <= range[1];
              client.put(name, terminal ? CloseCode.Kind.TERMINAL : CloseCode.Kind.RECONNECT);
            });
    Map<String, CloseCode.Kind> server = new TreeMap<>();
    for (CloseCode code : CloseCode.values()) {
      server.put(code.name(), code.kind());
    }
    OBSERVED_ONLY.keySet().forEach(name -> server.put(name, CloseCode.Kind.RECONNECT));
    assertThat(client)
        .as("the kind shouldReconnect of %s gives each close code", CODES_JS)
        .isEqualTo(server);
  }

  @Test
  @DisplayName("ErrorCodes: the same names and wire names as connection-service's ErrorCode enum")
  void errorCodes() throws IOException {
    assertThat(jsObject("ErrorCodes"))
        .as("ErrorCodes of %s against dev.mesh.connection.frames.ErrorCode", CODES_JS)
        .isEqualTo(serverErrorCodes());
  }

  @Test
  @DisplayName("no error frame of connection-service spells its code as a string literal")
  void errorCodesAreTheEnums() throws IOException {
    assertThat(errorCodeLiterals())
        .as("string literals in the code argument of error calls (use ErrorCode instead)")
        .isEmpty();
  }

  @Test
  @DisplayName(
      "UnsubscribeReasons: the reason connection-service puts in an unsubscribed frame it sends unasked")
  void unsubscribeReasons() throws IOException {
    assertThat(jsObject("UnsubscribeReasons"))
        .as("UnsubscribeReasons of %s", CODES_JS)
        .isEqualTo(Map.of("SERVER", Frames.UNSUBSCRIBED_BY_SERVER));
  }

  // ------------------------------------------------------------------------------------------------- the server

  /** Every {@link CloseCode}: its constant's name and its number on the wire. */
  private static Map<String, Integer> serverCloseCodes() {
    Map<String, Integer> codes = new TreeMap<>();
    for (CloseCode code : CloseCode.values()) {
      codes.put(code.name(), code.code());
    }
    return codes;
  }

  /** Every code of {@link ErrorCode}: its constant's name and its wire name. */
  private static Map<String, String> serverErrorCodes() {
    Map<String, String> codes = new TreeMap<>();
    for (ErrorCode code : ErrorCode.values()) {
      codes.put(code.name(), code.wireName());
    }
    return codes;
  }

  /**
   * An error frame's code in a call of connection-service: error(id, code, message), error(id,
   * status, code, ...).
   */
  private static final Pattern ERROR_CALL =
      Pattern.compile(
          "(?<![\\w.])(error|abuse|abuseReply)\\(|\\b(?:Frames|outbound)\\.(error)\\(|\\.put\\(\"code\", ");

  private static final Pattern STRING_LITERAL = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

  /**
   * String literals in the code argument of the calls that build error frames: {@code
   * Frames.error(id, code, message)}, {@code Outbound.error(session, id, code, message)},
   * FrameHandler's {@code error(id, code, message)}, or an error frame's {@code "code"} put by
   * hand. The codes are {@link ErrorCode}s; a literal there is a code that bypasses the enum.
   */
  private static Set<String> errorCodeLiterals() throws IOException {
    Set<String> literals = new TreeSet<>();
    List<Path> sources;
    try (Stream<Path> files = Files.walk(MAIN_JAVA)) {
      sources = files.filter(p -> p.toString().endsWith(".java")).toList();
    }
    for (Path source : sources) {
      String text = Files.readString(source);
      Matcher call = ERROR_CALL.matcher(text);
      while (call.find()) {
        String codeArgument;
        if (call.group().startsWith(".put")) {
          codeArgument = arguments(text, call.end() - 1).get(0);
        } else {
          List<String> args = arguments(text, call.end());
          String method = call.group(1) != null ? call.group(1) : call.group(2);
          int index = method.equals("error") && args.size() == 3 ? 1 : 2;
          if (args.size() <= index) {
            continue;
          }
          codeArgument = args.get(index);
        }
        Matcher literal = STRING_LITERAL.matcher(codeArgument);
        while (literal.find()) {
          literals.add(source.getFileName() + ": " + literal.group());
        }
      }
    }
    return literals;
  }

  /**
   * The top-level arguments of the call whose argument list starts at {@code from} (after its
   * parenthesis).
   */
  private static List<String> arguments(String text, int from) {
    List<String> args = new ArrayList<>();
    int depth = 0;
    int start = from;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        for (i++; text.charAt(i) != '"'; i++) {
          if (text.charAt(i) == '\\') {
            i++;
          }
        }
      } else if (c == '(' || c == '{' || c == '[') {
        depth++;
      } else if ((c == ')' || c == '}' || c == ']') && depth > 0) {
        depth--;
      } else if (c == ',' && depth == 0) {
        args.add(text.substring(start, i).trim());
        start = i + 1;
      } else if (c == ')') {
        args.add(text.substring(start, i).trim());
        return args;
      }
    }
    throw new IllegalStateException("unbalanced call at " + from);
  }

  // ------------------------------------------------------------------------------------------------- the client

  /** The bounds of the terminal range in the client's {@code shouldReconnect}: first, last. */
  private static int[] clientTerminalRange() throws IOException {
    Matcher m =
        Pattern.compile(
                "function shouldReconnect\\(code\\) \\{\\s*return !\\(code >= (\\d+) && code <= (\\d+)\\);")
            .matcher(Files.readString(CODES_JS));
    assertThat(m.find()).as("shouldReconnect in %s", CODES_JS).isTrue();
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  /**
   * The entries of {@code export const <name> = Object.freeze({ KEY: value, ... })} in codes.js,
   * quotes removed.
   */
  private static Map<String, String> jsObject(String name) throws IOException {
    String js = Files.readString(CODES_JS);
    Matcher object =
        Pattern.compile(
                "export const " + name + " = Object\\.freeze\\(\\{(.*?)\\}\\);", Pattern.DOTALL)
            .matcher(js);
    assertThat(object.find()).as("%s in %s", name, CODES_JS).isTrue();
    Map<String, String> entries = new TreeMap<>();
    Matcher entry = Pattern.compile("(\\w+): (?:(\\d+)|'([^']*)'),").matcher(object.group(1));
    while (entry.find()) {
      entries.put(entry.group(1), entry.group(2) != null ? entry.group(2) : entry.group(3));
    }
    assertThat(entries).as("entries of %s", name).isNotEmpty();
    return entries;
  }
}
