/**
 * VM configuration: AxVisor's VM TOML schema ({@code [base]}, {@code [kernel]}, {@code [devices]}, the
 * {@code AxVMCrateConfig} of axvmconfig) as immutable records, read with the TOML parser of
 * {@code javisor.vm.toml}.
 *
 * <p>Entry points: {@link javisor.vm.config.VmConfig#load(java.nio.file.Path)},
 * {@link javisor.vm.config.VmConfig#parse(String, java.util.Optional)},
 * {@link javisor.vm.config.VmConfig#forKernel} for {@code javisor run --kernel}, and
 * {@link javisor.vm.config.VmConfig#toToml()}. Every problem with a config, from a TOML syntax error to
 * overlapping memory regions, is a {@link javisor.vm.config.ConfigException} whose message names the file,
 * line, key path and what was expected; nothing else escapes the parser.
 *
 * <p>Inside: the TOML parser turns the text into a tree of {@code TomlValue}s that remember their positions (its
 * syntax errors become {@code ConfigException}s with the same parts), then {@code VmConfigMapper} (tree to records,
 * through {@code ConfigNode}/{@code StructNode}, which accept serde's table or positional-array forms), and
 * {@code VmConfigWriter} for the way back. The records validate themselves too, with the same checks
 * ({@code Checks} and the records' static {@code check...} methods), so a config built in code is as valid
 * as a parsed one.
 */
package javisor.vm.config;
