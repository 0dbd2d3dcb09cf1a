package dev.mesh.common.bus;

/**
 * What {@link MeshCodec} hands a consumer in place of a body it could not decode (truncated bytes,
 * an unknown or non-Mesh class, JSON that does not fit the record): the consumer answers 400 with
 * {@code reason} instead of the caller waiting for a timeout. Never sent on purpose.
 *
 * @param reason why the body could not be decoded, for the 400's message
 */
public record Undecodable(String reason) implements MeshMessage {}
