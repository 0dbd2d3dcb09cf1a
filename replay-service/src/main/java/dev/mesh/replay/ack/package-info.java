/**
 * Critical events: users' cumulative acks ({@code mesh.replay.ack}) and their pending events
 * ({@code mesh.replay.pending}).
 */
package dev.mesh.replay.ack;
