package dev.mesh.connection.http;

import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The address a request comes from, for per-address limits: the peer of the TCP connection, unless
 * that peer is one of {@code MESH_TRUSTED_PROXIES}; then the right-most address of {@code
 * X-Forwarded-For} that is not a trusted proxy (the left-most entries are whatever the client
 * wrote, so they are never believed). Without trusted proxies the header is ignored: anyone can
 * send it.
 */
public final class ClientAddress {

  private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

  /**
   * One trusted network: an address and a prefix length. A class, not a record: a record would
   * compare its address array by identity.
   */
  static final class Network {
    private final byte[] address;
    private final int prefix;

    Network(byte[] address, int prefix) {
      this.address = address.clone();
      this.prefix = prefix;
    }

    boolean contains(byte[] candidate) {
      if (candidate.length != address.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (candidate[i] != address[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest);
      return (candidate[full] & mask) == (address[full] & mask);
    }
  }

  private final List<Network> trusted;

  private ClientAddress(List<Network> trusted) {
    this.trusted = List.copyOf(trusted);
  }

  /**
   * Parses {@code MESH_TRUSTED_PROXIES} items: IP literals ({@code 10.0.0.5}, {@code ::1}) or CIDR
   * networks ({@code 10.0.0.0/8}); host names are refused (no DNS lookups on this path).
   *
   * @throws IllegalArgumentException naming the first bad item
   */
  public static ClientAddress trusting(List<String> proxies) {
    List<Network> networks = new ArrayList<>();
    for (String item : proxies) {
      String[] parts = item.trim().split("/", 2);
      byte[] address = literal(parts[0]);
      if (address == null) {
        throw new IllegalArgumentException(item + " is not an IP address or CIDR network");
      }
      int prefix = address.length * 8;
      if (parts.length == 2) {
        try {
          prefix = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > address.length * 8) {
          throw new IllegalArgumentException(item + ": bad prefix length");
        }
      }
      networks.add(new Network(address, prefix));
    }
    return new ClientAddress(networks);
  }

  /** Only the TCP peer counts. */
  public static ClientAddress direct() {
    return new ClientAddress(List.of());
  }

  /** An IP literal as bytes, or null: never a DNS lookup. */
  static byte[] literal(String text) {
    if (text == null || text.isEmpty() || text.length() > 45 || !LITERAL.matcher(text).matches()) {
      return null;
    }
    try {
      return InetAddress.getByName(text).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private boolean isTrusted(String host) {
    if (trusted.isEmpty()) {
      return false;
    }
    byte[] address = literal(host);
    return address != null && trusted.stream().anyMatch(n -> n.contains(address));
  }

  /** The client's address for limits: see the class comment. */
  public String of(SocketAddress peer, MultiMap headers) {
    String host =
        peer == null ? "unknown" : peer.hostAddress() != null ? peer.hostAddress() : peer.host();
    if (!isTrusted(host)) {
      return host;
    }
    List<String> chain = new ArrayList<>();
    for (String header : headers.getAll("X-Forwarded-For")) {
      // Limit -1 keeps an empty hop (as from a trailing comma): like any hop that is not an IP
      // literal, it makes the chain garbage and the peer is the answer below.
      for (String hop : header.split(",", -1)) {
        chain.add(hop.trim());
      }
    }
    for (int i = chain.size() - 1; i >= 0; i--) {
      String hop = chain.get(i);
      if (literal(hop) == null) {
        return host;
      }
      if (!isTrusted(hop)) {
        return hop;
      }
    }
    return host;
  }
}
