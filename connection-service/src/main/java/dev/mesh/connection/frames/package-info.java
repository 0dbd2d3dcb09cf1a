/**
 * The browser protocol's inbound side (docs/protocol/browser.md §3.2, §3.4): the client frames as
 * records ({@link dev.mesh.connection.frames.ClientFrame}), the one decoder that validates them
 * ({@link dev.mesh.connection.frames.FrameDecoder}) and the codes of the server's {@code error}
 * frames ({@link dev.mesh.connection.frames.ErrorCode}). Depends on the contract only.
 */
package dev.mesh.connection.frames;
