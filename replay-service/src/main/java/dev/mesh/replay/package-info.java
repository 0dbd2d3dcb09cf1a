/** replay-service: its options, service definition and entry point. */
package dev.mesh.replay;
