package javisor.vmm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad command lines, configs and images: a clear message naming what was wrong, exit status 2, no VM run. */
class CliErrorsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "javisor {0}")
    @CsvSource(delimiter = '|', value = {
            "frobnicate                       | unknown command 'frobnicate'",
            "run                              | run needs CONFIG.toml files, --config-dir DIR, --bundled SET or --kernel FILE",
            "run --kernel                     | option --kernel needs a value",
            "run --kernel k --cpus 0          | --cpus must be between 1 and 1024, got 0",
            "run --kernel k --memory lots     | --memory expects a number, got 'lots'",
            "run --kernel k --bogus 1         | unknown option --bogus",
            "run --cmdline x cfg.toml         | --initrd, --cmdline, --drive, --net and --vsock go with --kernel",
            "run --drive d.img cfg.toml       | --initrd, --cmdline, --drive, --net and --vsock go with --kernel",
            "run --net tap=t0 cfg.toml        | --initrd, --cmdline, --drive, --net and --vsock go with --kernel",
            "run --kernel k --drive ,readonly | expected PATH[,readonly], got \",readonly\"",
            "run --kernel k --drive d.img,rw  | unknown option \"rw\" in \"d.img,rw\"",
            "run --kernel k --net mac=02:00:00:00:00:01 | --net: expected tap=NAME[,mac=MAC], got \"mac=02:00:00:00:00:01\" (no tap)",
            "run --kernel k --net tap=a/b     | --net: tap: expected a network interface name (1 to 15 printable characters, no '/', ':' or spaces), got \"a/b\"",
            "run --kernel k --net tap=t0,mac=01:00:00:00:00:01 | --net: mac: expected a unicast MAC address, got 01:00:00:00:00:01, a multicast one",
            "run --kernel k --net tap=t0,mac=1:2:3 | --net: mac: expected a MAC address such as \"02:4a:56:00:01:00\", got \"1:2:3\"",
            "run --kernel k --net tap=t0,speed=10 | --net: unknown option \"speed=10\" in \"tap=t0,speed=10\" (expected tap=NAME[,mac=MAC])",
            "run --kernel k --net tap=t0,tap=t1 | --net: tap given twice",
            "run --kernel k --vsock cid=2,path=v.sock | --vsock: guest_cid: expected 3 to 4294967294 (0-2 are the hypervisor's and the host's), got 2",
            "run --kernel k --vsock cid=3     | --vsock: expected cid=N,path=SOCKET, got \"cid=3\"",
            "run --kernel k --vsock cid=x,path=v.sock | --vsock: cid: expected a number, got \"x\"",
            "run --kernel k --limits none.toml | --limits: none.toml: no such file",
            "shell --limits none.toml         | --limits: none.toml: no such file",
            "serve                            | serve needs --api-sock PATH or --web [HOST:]PORT",
            "serve --log-dir /tmp             | serve needs --api-sock PATH or --web [HOST:]PORT",
            "run --kernel k --api-sock a.sock | --api-sock and --web go with shell or serve",
            "serve --web nowhere              | --web's port expects a number, got 'nowhere'",
            "serve --web 127.0.0.1:70000      | --web's port must be between 0 and 65535, got 70000",
            "serve --web :80                  | --web expects [HOST:]PORT, got ':80'",
            "serve --api-sock a --web-token-file t | --web-token-file goes with --web",
    })
    void badCommandLines(String args, String message) {
        CliRun r = CliRun.of(args.split(" "));
        assertThat(r.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(r.err()).contains(message);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void withoutKvmJavisorSaysWhatIsMissingAndExitsNonZero() {
        System.setProperty("javisor.kvm.device", tmp.resolve("kvm-missing").toString());
        try {
            CliRun r = CliRun.of("run", "--kernel", TestGuests.image("exit42.elf").toString());
            assertThat(r.status()).isEqualTo(ExitStatus.NO_KVM);
            assertThat(r.err()).contains("KVM is not usable").contains("kvm-missing does not exist")
                    .contains("load the kvm module");
        } finally {
            System.clearProperty("javisor.kvm.device");
        }
    }

    @Test
    void helpListsTheCommands() {
        CliRun r = CliRun.of("--help");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("javisor run CONFIG.toml").contains("--kernel FILE").contains("Exit status");
    }

    @Test
    void missingConfigFileIsNamed() {
        CliRun r = CliRun.of("run", tmp.resolve("nope.toml").toString());
        assertThat(r.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(r.err()).contains("nope.toml");
    }

    @Test
    void badConfigValueNamesFileKeyAndExpectation() throws IOException {
        Path cfg = tmp.resolve("bad.toml");
        Files.writeString(cfg, """
                [base]
                id = 1
                name = "bad"
                vm_type = 1
                cpu_num = 1

                [kernel]
                entry_point = 0x8000
                kernel_path = "k.bin"
                kernel_load_addr = 0x8000
                memory_regions = [[0x0, 0x1234, 0x7, 0]]

                [devices]
                """);
        CliRun r = CliRun.of("run", cfg.toString());
        assertThat(r.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(r.err()).contains("bad.toml").contains("memory_regions[0].size").contains("0x1234");
    }

    @Test
    @Tag("kvm")
    void missingKernelIsNamed() throws IOException {
        TestGuests.requireKvm();
        CliRun r = CliRun.of("run", "--kernel", tmp.resolve("vmlinuz-missing").toString());
        assertThat(r.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(r.err()).contains("vmlinuz-missing");
    }

    @Test
    @Tag("kvm")
    void truncatedElfIsRefusedClearly() throws IOException {
        TestGuests.requireKvm();
        byte[] elf = Files.readAllBytes(TestGuests.image("pmode32.elf"));
        Path truncated = tmp.resolve("truncated.elf");
        Files.write(truncated, Arrays.copyOf(elf, 40));
        CliRun r = CliRun.of("run", "--kernel", truncated.toString());
        assertThat(r.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(r.err()).contains("truncated.elf");
        assertThat(r.out()).isEmpty();
    }

    @Test
    @Tag("kvm")
    void imageLargerThanGuestRamIsRefused() throws IOException {
        TestGuests.requireKvm();
        Path big = tmp.resolve("big.bin");
        Files.write(big, new byte[3 << 20]);
        CliRun r = CliRun.of("run", "--kernel", big.toString(), "--memory", "2");
        assertThat(r.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(r.err()).contains("big.bin");
    }
}
