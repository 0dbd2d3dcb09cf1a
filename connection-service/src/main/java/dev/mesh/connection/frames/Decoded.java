package dev.mesh.connection.frames;

/**
 * What a client frame decodes to: a {@link ClientFrame}, or the {@link DecodeError} that answers
 * it.
 */
public sealed interface Decoded permits ClientFrame, DecodeError {}
