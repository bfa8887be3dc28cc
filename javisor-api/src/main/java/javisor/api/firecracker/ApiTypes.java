package javisor.api.firecracker;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The JSON bodies of Firecracker's API ({@code definitions} of its OpenAPI document), as records with the
 * document's field names (snake_case, mapped by {@link Json}). A field the document does not require is null when
 * absent. Each record checks what Firecracker's own parsing checks (required fields, enums, ranges); what Javisor
 * cannot honour is refused later, by {@link VmResources}, with a message that says so.
 */
public final class ApiTypes {
    private ApiTypes() {
    }

    static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("missing field `" + field + "`");
        }
        return value;
    }

    static void oneOf(String value, String field, Set<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            throw new IllegalArgumentException("unknown variant `" + value + "` of field `" + field
                    + "`, expected one of " + allowed.stream().sorted().map(v -> "`" + v + "`").toList());
        }
    }

    /** {@code Error}: every answer but 2xx carries one. */
    public record ApiError(String faultMessage) {
    }

    /** {@code InstanceInfo}, GET /. */
    public record InstanceInfo(String appName, String id, String state, String vmmVersion) {
    }

    /** {@code FirecrackerVersion}, GET /version. */
    public record FirecrackerVersion(String firecrackerVersion) {
    }

    /** {@code BootSource}, PUT /boot-source. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BootSource(String kernelImagePath, String bootArgs, String initrdPath) {
        public BootSource {
            required(kernelImagePath, "kernel_image_path");
        }
    }

    /** {@code MachineConfiguration}, PUT and PATCH /machine-config (PATCH's fields are all optional). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MachineConfiguration(Integer vcpuCount, Integer memSizeMib, Boolean smt, Boolean trackDirtyPages,
                                       String cpuTemplate, String hugePages) {
        static final int MAX_VCPUS = 32;

        public MachineConfiguration {
            if (vcpuCount != null && (vcpuCount < 1 || vcpuCount > MAX_VCPUS)) {
                throw new IllegalArgumentException("field `vcpu_count`: expected 1 to " + MAX_VCPUS + ", got "
                        + vcpuCount);
            }
            if (memSizeMib != null && memSizeMib < 1) {
                throw new IllegalArgumentException("field `mem_size_mib`: expected 1 or more, got " + memSizeMib);
            }
            oneOf(cpuTemplate, "cpu_template", Set.of("C3", "T2", "T2S", "T2CL", "T2A", "V1N1", "None"));
            oneOf(hugePages, "huge_pages", Set.of("None", "Transparent", "2M"));
        }

        /** PUT's body: both sizes required. */
        MachineConfiguration requireComplete() {
            for (String missing : new String[] {vcpuCount == null ? "vcpu_count" : null,
                    memSizeMib == null ? "mem_size_mib" : null}) {
                if (missing != null) {
                    throw new BadRequest(Json.DESERIALIZE_ERROR + "missing field `" + missing + "`.");
                }
            }
            return this;
        }

        /** This configuration with {@code patch}'s fields where it has them. */
        MachineConfiguration patchedWith(MachineConfiguration patch) {
            return new MachineConfiguration(pick(patch.vcpuCount, vcpuCount), pick(patch.memSizeMib, memSizeMib),
                    pick(patch.smt, smt), pick(patch.trackDirtyPages, trackDirtyPages),
                    pick(patch.cpuTemplate, cpuTemplate), pick(patch.hugePages, hugePages));
        }

        private static <T> T pick(T patched, T current) {
            return patched != null ? patched : current;
        }
    }

    /** {@code TokenBucket}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenBucket(Long size, Long oneTimeBurst, Long refillTime) {
        public TokenBucket {
            required(size, "size");
            required(refillTime, "refill_time");
            if (size < 0 || refillTime < 0 || oneTimeBurst != null && oneTimeBurst < 0) {
                throw new IllegalArgumentException("a token bucket's size, one_time_burst and refill_time are 0 or "
                        + "more");
            }
        }
    }

    /** {@code RateLimiter}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RateLimiter(TokenBucket bandwidth, TokenBucket ops) {
        boolean limits() {
            return bandwidth != null || ops != null;
        }
    }

    /** {@code Drive}, PUT /drives/{drive_id}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Drive(String driveId, String partuuid, Boolean isRootDevice, String cacheType, Boolean isReadOnly,
                        String pathOnHost, RateLimiter rateLimiter, String ioEngine, String socket) {
        public Drive {
            required(driveId, "drive_id");
            required(isRootDevice, "is_root_device");
            oneOf(cacheType, "cache_type", Set.of("Unsafe", "Writeback"));
            oneOf(ioEngine, "io_engine", Set.of("Sync", "Async"));
        }

        boolean readOnly() {
            return Boolean.TRUE.equals(isReadOnly);
        }
    }

    /** {@code PartialDrive}, PATCH /drives/{drive_id}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PartialDrive(String driveId, String pathOnHost, RateLimiter rateLimiter) {
        public PartialDrive {
            required(driveId, "drive_id");
        }
    }

    /** {@code NetworkInterface}, PUT /network-interfaces/{iface_id}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NetworkInterface(String ifaceId, String hostDevName, String guestMac, Integer mtu,
                                   RateLimiter rxRateLimiter, RateLimiter txRateLimiter) {
        public NetworkInterface {
            required(ifaceId, "iface_id");
            required(hostDevName, "host_dev_name");
            if (mtu != null && (mtu < 68 || mtu > 65535)) {
                throw new IllegalArgumentException("field `mtu`: expected 68 to 65535, got " + mtu);
            }
        }
    }

    /** {@code PartialNetworkInterface}, PATCH /network-interfaces/{iface_id}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PartialNetworkInterface(String ifaceId, RateLimiter rxRateLimiter, RateLimiter txRateLimiter) {
        public PartialNetworkInterface {
            required(ifaceId, "iface_id");
        }
    }

    /** {@code Vsock}, PUT /vsock ({@code vsock_id} is deprecated in Firecracker and ignored, as there). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Vsock(Long guestCid, String udsPath, String vsockId) {
        public Vsock {
            required(guestCid, "guest_cid");
            required(udsPath, "uds_path");
        }
    }

    /** {@code EntropyDevice}, PUT /entropy. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EntropyDevice(RateLimiter rateLimiter) {
    }

    /** {@code SerialDevice}, PUT /serial. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SerialDevice(String serialOutPath, TokenBucket rateLimiter) {
    }

    /** {@code Logger}, PUT /logger. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Logger(String level, String logPath, Boolean showLevel, Boolean showLogOrigin, String module) {
        public Logger {
            oneOf(level, "level", Set.of("Error", "Warning", "Info", "Debug", "Trace", "Off"));
        }
    }

    /** {@code Metrics}, PUT /metrics. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metrics(String metricsPath, Boolean emitId, Map<String, String> properties) {
        public Metrics {
            required(metricsPath, "metrics_path");
        }
    }

    /** {@code InstanceActionInfo}, PUT /actions. */
    public record InstanceActionInfo(String actionType) {
        public InstanceActionInfo {
            required(actionType, "action_type");
            oneOf(actionType, "action_type", Set.of("FlushMetrics", "InstanceStart", "SendCtrlAltDel"));
        }
    }

    /** {@code Vm}, PATCH /vm. */
    public record VmStateRequest(String state) {
        public VmStateRequest {
            required(state, "state");
            oneOf(state, "state", Set.of("Paused", "Resumed"));
        }
    }

    /**
     * {@code FullVmConfiguration}: GET /vm/config's answer, and the file {@code --config-file} reads. The sections
     * Javisor does not have (balloon, cpu-config, mmds-config, pmem, memory-hotplug) are accepted only empty.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FullVmConfiguration(
            @JsonProperty("boot-source") BootSource bootSource,
            @JsonProperty("machine-config") MachineConfiguration machineConfig,
            List<Drive> drives,
            @JsonProperty("network-interfaces") List<NetworkInterface> networkInterfaces,
            Vsock vsock,
            EntropyDevice entropy,
            Logger logger,
            Metrics metrics,
            Object balloon,
            @JsonProperty("cpu-config") Object cpuConfig,
            @JsonProperty("mmds-config") Object mmdsConfig,
            List<Object> pmem,
            @JsonProperty("memory-hotplug") Object memoryHotplug) {
    }
}
