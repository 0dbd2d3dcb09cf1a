package dev.mesh.common.replay.store;

/** Channels a user created since {@code windowStartMillis} (see {@link ReserveCreation}). */
public record CreationCount(long windowStartMillis, int count) {}
