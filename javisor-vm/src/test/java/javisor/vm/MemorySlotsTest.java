package javisor.vm;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** KVM memory slot numbers: RAM's first, the rest handed out and taken back up to KVM's limit. */
class MemorySlotsTest {
    @Test
    void slotsAfterRamAreHandedOutUpToTheLimitAndReused() {
        MemorySlots slots = new MemorySlots(2, 4);
        assertThat(slots.isUsed(0)).isTrue();
        assertThat(slots.allocate()).hasValue(2);
        assertThat(slots.allocate()).hasValue(3);
        assertThat(slots.allocate()).as("KVM has no fifth slot").isEmpty();
        slots.release(2);
        assertThat(slots.isUsed(2)).isFalse();
        assertThat(slots.allocate()).hasValue(2);
    }

    @Test
    void moreRegionsThanKvmHasSlotsIsRefused() {
        assertThatThrownBy(() -> new MemorySlots(5, 4)).hasMessage("5 memory regions, but KVM has only 4 slots");
    }
}
