/**
 * Starts the services' fat jars as separate JVMs on loopback, waits on their {@code /ready},
 * injects faults ({@code kill -9}, SIGTERM, SIGSTOP) and always cleans up, even when the caller
 * fails.
 */
package dev.mesh.bench.process;
