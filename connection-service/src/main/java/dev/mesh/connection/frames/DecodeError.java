package dev.mesh.connection.frames;

/**
 * A client frame the decoder refused: the {@code error} frame that answers it. Every decode error
 * is an abuse strike (docs/protocol/browser.md §3.4).
 *
 * @param id the request id to echo: the frame's own when it had a valid one and its type echoes it
 *     (never for {@code ack}), else null
 */
public record DecodeError(ErrorCode code, String message, String id) implements Decoded {}
