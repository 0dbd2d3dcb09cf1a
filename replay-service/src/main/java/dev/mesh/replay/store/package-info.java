/**
 * replay-service's access to its Hazelcast maps: async calls bridged to Vert.x futures on the
 * caller's context, the one-time map configuration, new epochs, and the mapping of storage failures
 * to error codes.
 */
package dev.mesh.replay.store;
