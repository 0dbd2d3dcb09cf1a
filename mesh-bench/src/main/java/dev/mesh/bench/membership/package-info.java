/**
 * Cluster membership under stress: a CPU hog like the shared one (busy processes on every core at
 * the caller's priority), and the failure-detector study that compares Hazelcast's deadline and
 * phi-accrual detectors under it.
 */
package dev.mesh.bench.membership;
