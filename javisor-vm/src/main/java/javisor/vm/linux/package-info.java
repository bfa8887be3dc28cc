/**
 * Booting Linux with no firmware: {@link javisor.vm.linux.LinuxLoader} loads a bzImage (boot protocol 2.12+,
 * 64-bit entry) or an ELF vmlinux (64-bit entry, or PVH when the ELF carries the PVH note) with its initrd and
 * command line, writes the zero page or the PVH start info with the e820 map, and returns a
 * {@link javisor.vm.linux.LinuxBoot} saying how to enter it. {@link javisor.vm.linux.LinuxLayout} fixes where the
 * boot structures go.
 */
package javisor.vm.linux;
