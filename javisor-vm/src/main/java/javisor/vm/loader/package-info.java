/**
 * Guest image loaders: RAW, ELF and Multiboot v1. {@link javisor.vm.loader.ImageLoader#load} checks an
 * image against guest memory, writes it, and returns a {@link javisor.vm.loader.BootSpec} saying how to
 * enter it; {@link javisor.vm.loader.BootLayout} has the usual places of the vCPU's boot structures, which
 * move out of an image's way.
 */
package javisor.vm.loader;
