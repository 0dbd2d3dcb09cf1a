package dev.mesh.connection.auth;

import java.util.ArrayList;
import java.util.List;

/**
 * An immutable set of verification keys and the rule that picks the ones a token may be checked
 * against (docs/PROTOCOL.md §2.2):
 *
 * <ul>
 *   <li>HS256 with a {@code kid}: the secret of {@code MESH_JWT_SECRETS} with that kid; without
 *       one: {@code MESH_JWT_SECRET}. A kid never falls back to another secret, so a retired kid
 *       stays retired.
 *   <li>RS256 / ES256 with a {@code kid}: the JWKS keys with that kid, else the PEM keys (which
 *       have no kid); without one: the PEM keys, then the JWKS keys, of that algorithm.
 * </ul>
 *
 * Only keys of the token's own algorithm are ever candidates.
 */
public final class KeySet {

  /**
   * Most keys one token is tried against: a token cannot make the node verify against an unbounded
   * set.
   */
  static final int MAX_CANDIDATES = 8;

  private final List<VerificationKey> keys;

  public KeySet(List<VerificationKey> keys) {
    this.keys = List.copyOf(keys);
  }

  public static KeySet empty() {
    return new KeySet(List.of());
  }

  public List<VerificationKey> keys() {
    return keys;
  }

  /** This set and {@code other}'s keys, this set's first. */
  public KeySet plus(KeySet other) {
    if (other.keys.isEmpty()) {
      return this;
    }
    List<VerificationKey> all = new ArrayList<>(keys);
    all.addAll(other.keys);
    return new KeySet(all);
  }

  /**
   * The keys a token with this {@code alg} and {@code kid} (null when absent) may be verified with,
   * in order.
   */
  public List<VerificationKey> candidates(String algorithm, String kid) {
    List<VerificationKey> picked = new ArrayList<>();
    if (algorithm.equals(VerificationKey.HS256)) {
      for (VerificationKey key : keys) {
        if (key.algorithm().equals(algorithm) && java.util.Objects.equals(key.kid(), kid)) {
          picked.add(key);
        }
      }
    } else if (kid != null) {
      for (VerificationKey key : keys) {
        if (key.algorithm().equals(algorithm) && kid.equals(key.kid())) {
          picked.add(key);
        }
      }
      if (picked.isEmpty()) {
        addKidless(algorithm, picked);
      }
    } else {
      addKidless(algorithm, picked);
      for (VerificationKey key : keys) {
        if (key.algorithm().equals(algorithm) && key.kid() != null) {
          picked.add(key);
        }
      }
    }
    return picked.size() > MAX_CANDIDATES ? picked.subList(0, MAX_CANDIDATES) : picked;
  }

  private void addKidless(String algorithm, List<VerificationKey> picked) {
    for (VerificationKey key : keys) {
      if (key.algorithm().equals(algorithm) && key.kid() == null) {
        picked.add(key);
      }
    }
  }

  @Override
  public String toString() {
    return keys.toString();
  }
}
