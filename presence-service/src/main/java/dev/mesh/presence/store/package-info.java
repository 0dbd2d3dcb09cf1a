/**
 * Where presence reads Hazelcast: one store per verticle, every call a Future on that verticle's
 * context.
 */
package dev.mesh.presence.store;
