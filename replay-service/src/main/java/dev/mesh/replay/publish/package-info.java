/**
 * Where events enter: the {@code mesh.publish} consumer that appends to a channel's history, then
 * publishes live.
 */
package dev.mesh.replay.publish;
