package dev.mesh.common.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What an interface setting ({@code MESH_*_HOST}) names, judged from its text alone (no DNS
 * lookup).
 */
public final class Hosts {

  private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(\\.\\d{1,3}){3}");

  private Hosts() {}

  /**
   * Whether {@code host} is a loopback interface: {@code 127.0.0.0/8}, {@code ::1} or {@code
   * localhost}. Anything else, {@code 0.0.0.0} and host names included, may be reachable from other
   * machines.
   */
  public static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost")
        || h.equals("::1")
        || h.equals("0:0:0:0:0:0:0:1")
        || IPV4_LOOPBACK.matcher(h).matches();
  }
}
