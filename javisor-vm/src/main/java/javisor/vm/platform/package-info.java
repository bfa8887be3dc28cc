/**
 * The platform as firmware would describe it to an OS: the e820 memory map ({@link javisor.vm.platform.E820Map}),
 * the Intel MP table and the ACPI tables (RSDP, XSDT, FADT, MADT, DSDT), written by
 * {@link javisor.vm.platform.PlatformTables#write} where a PC BIOS leaves them ({@link javisor.vm.platform.PlatformLayout}).
 */
package javisor.vm.platform;
