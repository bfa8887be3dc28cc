package javisor.virtio;

import java.util.ArrayList;
import java.util.List;

/** The device status field's bits (virtio 1.2, 2.1 "Device Status Field"), written by the driver. */
public final class DeviceStatus {
    public static final int ACKNOWLEDGE = 1;
    public static final int DRIVER = 2;
    public static final int DRIVER_OK = 4;
    public static final int FEATURES_OK = 8;
    public static final int DEVICE_NEEDS_RESET = 64;
    public static final int FAILED = 128;

    private DeviceStatus() {
    }

    /** The bits' names, for {@code vm show}: "acknowledge driver features_ok driver_ok", or "reset". */
    public static String describe(int status) {
        if (status == 0) {
            return "reset";
        }
        List<String> names = new ArrayList<>();
        String[] all = {"acknowledge", "driver", "driver_ok", "features_ok", "?16", "?32", "needs_reset", "failed"};
        for (int bit = 0; bit < 8; bit++) {
            if ((status & (1 << bit)) != 0) {
                names.add(all[bit]);
            }
        }
        return String.join(" ", names);
    }
}
