/**
 * TOML, apart from any schema: {@code TomlParser} reads a document (TOML 1.0 and the 1.1 relaxations) into a tree
 * of {@code TomlValue}s that remember their line and column, {@code TomlTreeBuilder} enforces TOML's rules on
 * tables, and {@code TomlNumbers} and {@code TomlStrings} read and write literals. Every syntax error is a
 * {@code TomlException} naming the line, the column and what was expected. The VM config schema
 * ({@code javisor.vm.config}) reads its documents through it.
 */
package javisor.vm.toml;
