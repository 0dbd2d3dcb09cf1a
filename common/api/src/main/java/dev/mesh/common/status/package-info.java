/**
 * The status request every service answers, proving it is deployed and reachable over the cluster.
 */
package dev.mesh.common.status;
