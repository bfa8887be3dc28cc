/**
 * Guest image loaders: RAW, ELF and Multiboot v1. {@link javisor.vm.loader.ImageLoader#load} checks an
 * image against guest memory, writes it, and returns a {@link javisor.vm.loader.BootSpec} saying how to
 * enter it; {@link javisor.vm.loader.BootLayout} fixes the low-memory ranges the loaders keep free for
 * the vCPU's boot structures.
 */
package javisor.vm.loader;
