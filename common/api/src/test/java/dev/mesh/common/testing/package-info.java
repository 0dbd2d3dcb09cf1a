/** Test support shared by every module (published as common's test-jar). */
package dev.mesh.common.testing;
