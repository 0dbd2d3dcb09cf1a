/**
 * The browser-facing wire protocol's fixed numbers: close codes and their ranges, and the envelope
 * of events.
 */
package dev.mesh.common.protocol;
