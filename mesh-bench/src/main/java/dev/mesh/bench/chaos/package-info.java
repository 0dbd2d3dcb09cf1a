/**
 * The chaos suite: faults injected into separate service JVMs on loopback (kill -9,
 * SIGSTOP/SIGCONT, a silent network cut, fuzzed frames) while pages publish and receive, each
 * scenario judged by its invariant of docs/ARCHITECTURE.md §8 and summarised as one row of a table.
 * JUnit runs it at small scale; {@link dev.mesh.bench.chaos.ChaosMain} runs it at full scale.
 */
package dev.mesh.bench.chaos;
