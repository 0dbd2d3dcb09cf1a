package dev.mesh.common.bus;

/**
 * Marker for every immutable record that travels on the event bus. {@link MeshCodec} encodes any
 * such record as JSON and decodes, on a remote node, only classes that implement this interface: a
 * peer can name no other class.
 */
public interface MeshMessage {}
