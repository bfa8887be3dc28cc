/**
 * Javisor as a Java library: start a hypervisor in your own program ({@link javisor.vmm.embed.Javisor}), build VMs
 * from a kernel image or a TOML config ({@link javisor.vmm.embed.VmSpec}), and drive each one
 * ({@link javisor.vmm.embed.VirtualMachine}): start, stop, suspend, restart, await; its console as text, as an
 * {@link java.io.InputStream} and as an {@link java.io.OutputStream} to its input; its metrics
 * ({@link javisor.vmm.embed.VmMetrics}); a hook for the embedder's own hypercalls; its IVC channels.
 *
 * <p>This package is Javisor's supported surface for embedding: it changes only with notice in the README. The
 * types it shows from {@code javisor.vm} and {@code javisor.vcpu} ({@code VmState}, {@code StopReason},
 * {@code HypercallHook}, {@code IvcChannelInfo}, {@code ExitCounters.Kind}) are part of it; a named module that uses
 * them requires those modules too. Everything that owns native resources is {@link java.lang.AutoCloseable}.
 */
package javisor.vmm.embed;
