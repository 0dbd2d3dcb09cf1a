/**
 * Where events leave for resume: the {@code mesh.replay.history} consumer, which answers with
 * exactly the events after a position or an explicit reset, and shares one Hazelcast read among
 * identical concurrent requests.
 */
package dev.mesh.replay.history;
