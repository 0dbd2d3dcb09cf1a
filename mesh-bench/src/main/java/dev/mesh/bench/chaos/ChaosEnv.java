package dev.mesh.bench.chaos;

import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * What every scenario needs: where the jars are, where logs go, how big to run, and the Vert.x
 * instance the pages run on.
 */
public record ChaosEnv(Path repoRoot, Path logRoot, ChaosScale scale, Vertx vertx) {}
