package dev.mesh.bench.process;

import java.nio.file.Path;

/** The three Mesh services, and where their fat jars are built. */
public enum ServiceKind {
  CONNECTION("connection-service"),
  PRESENCE("presence-service"),
  REPLAY("replay-service");

  private final String module;

  ServiceKind(String module) {
    this.module = module;
  }

  public String module() {
    return module;
  }

  public Path jar(Path repoRoot) {
    return repoRoot.resolve(module).resolve("target").resolve(module + ".jar");
  }
}
