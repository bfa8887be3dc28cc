package javisor.api.firecracker;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Firecracker's API on one instance before InstanceStart, request by request: what is accepted, and each refusal's
 * exact message (docs/firecracker-api.md's bad-request table is these rows).
 */
class ApiRouterTest {
    @TempDir
    Path tmp;
    private ApiRouter router;
    private FirecrackerInstance instance;
    private Path kernel;
    private Path disk;

    @BeforeEach
    void setUp() throws Exception {
        instance = new FirecrackerInstance("router-test", "javisor test", InputStream.nullInputStream(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new FirecrackerMetrics(0));
        router = new ApiRouter(instance);
        kernel = Files.writeString(tmp.resolve("vmlinux"), "x");
        disk = Files.write(tmp.resolve("disk.img"), new byte[512]);
    }

    private ApiRouter.Response call(String method, String path, String body) {
        return router.handle(method, path, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
    }

    private String fault(String method, String path, String body) throws Exception {
        ApiRouter.Response r = call(method, path, body);
        assertThat(r.status()).as("%s %s %s", method, path, body).isEqualTo(400);
        return Json.MAPPER.readTree(r.body()).get("fault_message").asText();
    }

    private String drive(String id, boolean root) {
        return "{\"drive_id\": \"" + id + "\", \"path_on_host\": \"" + disk + "\", \"is_root_device\": " + root + "}";
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            PUT | /machine-config | {"vcpu_count": "2", "mem_size_mib": 256} | An error occurred when deserializing the json body of a request: field `vcpu_count`: invalid type, expected an integer at line 1 column 16.
            PUT | /machine-config | {"vcpu_count": 2} | An error occurred when deserializing the json body of a request: missing field `mem_size_mib`.
            PUT | /machine-config | {"vcpu_count": 33, "mem_size_mib": 256} | An error occurred when deserializing the json body of a request: field `vcpu_count`: expected 1 to 32, got 33 at line 1 column 39.
            PUT | /machine-config | {"vcpu_count": 1, "mem_size_mib": 256, "smt": true} | Javisor cannot honour smt = true: Javisor gives each vCPU a core of its own (no SMT siblings).
            PUT | /machine-config | {"vcpu_count": 1, "mem_size_mib": 256, "huge_pages": "1G"} | An error occurred when deserializing the json body of a request: unknown variant `1G` of field `huge_pages`, expected one of [`2M`, `None`, `Transparent`] at line 1 column 58.
            PUT | /machine-config | {"vcpu_count": 1, "mem_size_mib": 1} | Invalid machine configuration: mem_size_mib must be 2 or more (the kernel loads at 1 MiB), got 1.
            PUT | /machine-config | {"vcpu_count": 1, "mem_size_mib": 256, "vcpu_count": 2} | An error occurred when deserializing the json body of a request: malformed JSON: Duplicate field 'vcpu_count' at line 1 column 52.
            PUT | /machine-config | {"vcpu_count": 1.5, "mem_size_mib": 256} | An error occurred when deserializing the json body of a request: field `vcpu_count`: invalid value 1.5, expected an integer at line 1 column 16.
            PUT | /machine-config | {"vcpu_count": 1, "mem_size_mib": 256} trailing | An error occurred when deserializing the json body of a request: malformed JSON: Unrecognized token 'trailing': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at line 1 column 40.
            PUT | /machine-config | [] | An error occurred when deserializing the json body of a request: invalid type, expected an object at line 1 column 1.
            PUT | /boot-source | {"kernel_image_path": 5} | An error occurred when deserializing the json body of a request: field `kernel_image_path`: invalid value 5, expected a string at line 1 column 23.
            PUT | /boot-source | {"kernel_image_path": "/no/such/vmlinux"} | Invalid kernel_image_path: cannot read the kernel image /no/such/vmlinux (no such file).
            PUT | /boot-source | {"kernel_image_path": "/vmlinux", "bogus": 1} | An error occurred when deserializing the json body of a request: unknown field `bogus`, expected one of `boot_args`, `initrd_path`, `kernel_image_path` at line 1 column 46.
            PUT | /drives/rootfs | {"drive_id": "other", "is_root_device": true} | The id from the path does not match the id from the body!
            PUT | /drives/bad-id | {"drive_id": "bad-id", "is_root_device": true} | Invalid ID "bad-id": an ID is 1 to 64 letters, digits or underscores.
            PUT | /drives/rootfs | {"drive_id": "rootfs", "is_root_device": true} | Unable to create the block device: missing field `path_on_host`.
            PUT | /drives/rootfs | {"drive_id": "rootfs", "is_root_device": true, "socket": "/tmp/vu.sock"} | Javisor cannot honour drive rootfs: socket: Javisor has no vhost-user-block backend.
            PUT | /drives/rootfs | {"drive_id": "rootfs", "cache_type": "Fast", "is_root_device": true} | An error occurred when deserializing the json body of a request: unknown variant `Fast` of field `cache_type`, expected one of [`Unsafe`, `Writeback`] at line 1 column 68.
            PUT | /network-interfaces/eth0 | {"iface_id": "eth0", "host_dev_name": "a/b"} | Invalid network interface: host_dev_name "a/b" is not an interface name (1 to 15 printable characters, no '/', ':' or spaces).
            PUT | /network-interfaces/eth0 | {"iface_id": "eth0", "host_dev_name": "tap0", "guest_mac": "zz"} | Invalid network interface: guest_mac: expected a MAC address such as "02:4a:56:00:01:00", got "zz".
            PUT | /network-interfaces/eth0 | {"iface_id": "eth0", "host_dev_name": "tap0", "mtu": 9000} | Javisor cannot honour network interface eth0: mtu: Javisor's virtio-net does not offer VIRTIO_NET_F_MTU.
            PUT | /network-interfaces/eth0 | {"iface_id": "eth0", "host_dev_name": "tap0", "mtu": 20} | An error occurred when deserializing the json body of a request: field `mtu`: expected 68 to 65535, got 20 at line 1 column 56.
            PUT | /vsock | {"guest_cid": 2, "uds_path": "/tmp/v.sock"} | Invalid vsock: guest_cid must be 3 to 4294967294 (0-2 are the hypervisor's and the host's), got 2.
            PUT | /entropy | {"rate_limiter": {"ops": {"size": 1, "refill_time": 1}}} | Javisor cannot honour entropy: an ops rate limiter: Javisor's virtio-rng limits bytes a second only.
            PUT | /entropy | {"rate_limiter": {"bandwidth": {"size": -1, "refill_time": 1}}} | An error occurred when deserializing the json body of a request: a token bucket's size, one_time_burst and refill_time are 0 or more at line 1 column 61.
            PUT | /actions | {"action_type": "Reboot"} | An error occurred when deserializing the json body of a request: unknown variant `Reboot` of field `action_type`, expected one of [`FlushMetrics`, `InstanceStart`, `SendCtrlAltDel`] at line 1 column 25.
            PUT | /actions | {"action_type": "InstanceStart"} | Cannot start microvm without kernel configuration.
            PUT | /actions | {"action_type": "FlushMetrics"} | The metrics system was not initialized: PUT /metrics first.
            PUT | /actions | {"action_type": "SendCtrlAltDel"} | The requested operation is not supported before starting the microVM.
            PUT | /actions | `` | An error occurred when deserializing the json body of a request: EOF while parsing a value at line 1 column 0.
            PATCH | /vm | {"state": "Paused"} | The requested operation is not supported before starting the microVM.
            PATCH | /vm | {"state": "Stopped"} | An error occurred when deserializing the json body of a request: unknown variant `Stopped` of field `state`, expected one of [`Paused`, `Resumed`] at line 1 column 20.
            PATCH | /drives/rootfs | {"drive_id": "rootfs"} | The requested operation is not supported before starting the microVM.
            GET | /nothing-here | `` | Invalid request method and/or path: GET /nothing-here.
            POST | /actions | {"action_type": "InstanceStart"} | Invalid request method and/or path: POST /actions.
            GET | /drives/rootfs | `` | Invalid request method and/or path: GET /drives/rootfs.
            PUT | /snapshot/create | {"snapshot_path": "s", "mem_file_path": "m"} | Javisor does not support PUT /snapshot/create: Javisor has no snapshots yet.
            PUT | /balloon | {"amount_mib": 1, "deflate_on_oom": true} | Javisor does not support PUT /balloon: Javisor has no virtio-balloon device.
            """)
    void aBadRequestIsRefusedWithFirecrackersStatusAndAMessageNamingWhatWasWrong(String method, String path,
                                                                                 String body, String message)
            throws Exception {
        assertThat(fault(method, path, body == null ? "" : body)).isEqualTo(message);
    }

    @Test
    void aSecondRootDriveIsRefusedAndReplacingADriveKeepsItsPlace() throws Exception {
        assertThat(call("PUT", "/drives/rootfs", drive("rootfs", true)).status()).isEqualTo(204);
        assertThat(call("PUT", "/drives/data", drive("data", false)).status()).isEqualTo(204);
        assertThat(fault("PUT", "/drives/other", drive("other", true)))
                .isEqualTo("A root block device already exists: rootfs.");
        assertThat(call("PUT", "/drives/rootfs", drive("rootfs", true)).status()).as("the same drive again").isEqualTo(204);
        assertThat(instance.fullConfig().drives()).extracting(ApiTypes.Drive::driveId).containsExactly("rootfs", "data");
    }

    @Test
    void twoInterfacesCannotShareATapOrAMac() throws Exception {
        assertThat(call("PUT", "/network-interfaces/eth0",
                "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\", \"guest_mac\": \"06:00:00:00:00:01\"}").status())
                .isEqualTo(204);
        assertThat(fault("PUT", "/network-interfaces/eth1", "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap0\"}"))
                .isEqualTo("The host device name tap0 is already in use by network interface eth0.");
        assertThat(fault("PUT", "/network-interfaces/eth1",
                "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap1\", \"guest_mac\": \"06:00:00:00:00:01\"}"))
                .isEqualTo("The guest MAC address 06:00:00:00:00:01 is already in use by network interface eth0.");
    }

    @Test
    void theVirtioSlotsAreCountedBeforeInstanceStart() throws Exception {
        for (int i = 0; i < 8; i++) {
            assertThat(call("PUT", "/drives/d" + i, drive("d" + i, false)).status()).isEqualTo(204);
        }
        assertThat(fault("PUT", "/vsock", "{\"guest_cid\": 3, \"uds_path\": \"/tmp/v.sock\"}"))
                .isEqualTo("Cannot add another device: Javisor's microVM has 8 virtio-mmio slots and all are taken.");
    }

    @Test
    void patchMachineConfigChangesOnlyTheFieldsGiven() throws Exception {
        assertThat(call("PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256}").status()).isEqualTo(204);
        assertThat(call("PATCH", "/machine-config", "{\"mem_size_mib\": 512}").status()).isEqualTo(204);
        JsonNode m = Json.MAPPER.readTree(call("GET", "/machine-config", null).body());
        assertThat(m.get("vcpu_count").asInt()).isEqualTo(2);
        assertThat(m.get("mem_size_mib").asInt()).isEqualTo(512);
    }

    @Test
    void metricsCanBeSetOnceAndFlushWritesOneLineWithTheRequestCounts() throws Exception {
        Path metrics = tmp.resolve("metrics.fifo-or-file");
        String body = "{\"metrics_path\": \"" + metrics + "\", \"emit_id\": true, \"properties\": {\"zone\": \"a\"}}";
        assertThat(call("PUT", "/metrics", body).status()).isEqualTo(204);
        assertThat(fault("PUT", "/metrics", body)).isEqualTo("Reinitialization of metrics not allowed.");
        call("PUT", "/boot-source", "{\"kernel_image_path\": \"/no/such/file\"}");
        assertThat(call("PUT", "/boot-source", "{\"kernel_image_path\": \"" + kernel + "\"}").status()).isEqualTo(204);
        assertThat(call("PUT", "/actions", "{\"action_type\": \"FlushMetrics\"}").status()).isEqualTo(204);
        assertThat(call("PUT", "/actions", "{\"action_type\": \"FlushMetrics\"}").status()).isEqualTo(204);
        List<String> lines = Files.readAllLines(metrics);
        assertThat(lines).hasSize(2);
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        assertThat(first.get("id").asText()).isEqualTo("router-test");
        assertThat(first.at("/properties/zone").asText()).isEqualTo("a");
        assertThat(first.at("/put_api_requests/boot_source_count").asLong()).isEqualTo(2);
        assertThat(first.at("/put_api_requests/boot_source_fails").asLong()).isEqualTo(1);
        assertThat(first.at("/put_api_requests/metrics_count").asLong()).isEqualTo(2);
        assertThat(first.at("/put_api_requests/metrics_fails").asLong()).isEqualTo(1);
        assertThat(first.has("vcpu")).as("no VM yet, so no VM groups").isFalse();
        JsonNode second = Json.MAPPER.readTree(lines.get(1));
        assertThat(second.at("/put_api_requests/boot_source_count").asLong()).as("a delta, as Firecracker's").isZero();
        assertThat(second.at("/put_api_requests/actions_count").asLong()).isEqualTo(1);
    }

    @Test
    @Timeout(30)
    void metricsGoToANamedPipeWithoutWaitingForItsReader() throws Exception {
        Path fifo = tmp.resolve("metrics.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        // No reader yet: Firecracker opens the pipe read-write, so PUT /metrics returns at once.
        assertThat(call("PUT", "/metrics", "{\"metrics_path\": \"" + fifo + "\"}").status()).isEqualTo(204);
        assertThat(call("PUT", "/actions", "{\"action_type\": \"FlushMetrics\"}").status()).isEqualTo(204);
        try (var reader = Files.newBufferedReader(fifo)) {
            assertThat(Json.MAPPER.readTree(reader.readLine()).has("utc_timestamp_ms")).isTrue();
        } finally {
            instance.close();
        }
    }

    @Test
    void theLoggerWritesToItsPathAtItsLevel() throws Exception {
        Path log = tmp.resolve("api.log");
        try {
            assertThat(call("PUT", "/logger", "{\"level\": \"Info\", \"log_path\": \"" + log + "\"}").status())
                    .isEqualTo(204);
            call("GET", "/no-such-path", null);
            assertThat(Files.readString(log)).contains("GET /no-such-path -> 400: Invalid request method and/or path");
        } finally {
            instance.close();
        }
    }

    @Test
    void bodiesAreNeverLogged() throws Exception {
        Path log = tmp.resolve("api.log");
        try {
            call("PUT", "/logger", "{\"level\": \"Trace\", \"log_path\": \"" + log + "\"}");
            call("PUT", "/boot-source", "{\"kernel_image_path\": \"" + kernel + "\", \"boot_args\": \"token=s3cr3t\"}");
            assertThat(Files.readString(log)).contains("PUT /boot-source -> 204").doesNotContain("s3cr3t");
        } finally {
            instance.close();
        }
    }
}
