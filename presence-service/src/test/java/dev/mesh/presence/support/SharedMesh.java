package dev.mesh.presence.support;

import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One mesh (two presence instances, two connection nodes) shared by every test class that kills
 * nothing, started once and stopped when the whole run ends; each class uses user ids and channels
 * of its own. Two presence instances everywhere also proves that no change is ever published twice.
 */
public final class SharedMesh implements BeforeAllCallback {

  public static final Duration DEBOUNCE = Duration.ofMillis(500);
  public static final Duration GRACE = Duration.ofSeconds(2);
  public static final int MAX_MEMBERS = 3;

  /**
   * Long enough that a close event is always applied before a second pass could call its connection
   * a ghost.
   */
  public static final Duration RECONCILE = Duration.ofSeconds(1);

  private static volatile TestMesh mesh;

  public static TestMesh mesh() {
    return mesh;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(
            SharedMesh.class,
            key -> {
              mesh =
                  TestMesh.start(
                      2,
                      2,
                      options ->
                          options
                              .withWindows(DEBOUNCE, GRACE)
                              .withMaxMembers(MAX_MEMBERS)
                              .withReconcileInterval(RECONCILE));
              return (ExtensionContext.Store.CloseableResource) () -> mesh.close();
            });
  }
}
